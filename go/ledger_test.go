package faceauth_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

func mustLedger(t testing.TB, location string) *faceauth.Ledger {
	t.Helper()
	l, err := faceauth.OpenLedger(location)
	if err != nil {
		t.Fatalf("OpenLedger(%q): %v", location, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// Issue a link, open it on the simulator, apply its webhooks: unused, then completed.
func TestLedgerLifecycle(t *testing.T) {
	sim := faceauthtest.StartSimulator(t, faceauthtest.WithTokenRule("count"))
	sim.AddSubmission("sub_1", "approved")
	links := mustBuilder(t, sim.ProjectID, sim.APIKey, faceauth.WithBaseURL(sim.URL))
	for _, location := range []string{":memory:", filepath.Join(t.TempDir(), "tokens.db")} {
		l := mustLedger(t, location)
		link, err := l.IssueURLWithMetadata(links, faceauth.CountRule(), faceauth.AuthParams{SID: "sub_1", UserID: "user-1"}, map[string]string{"order": "A-17"})
		if err != nil || link.Rule != "count" {
			t.Fatalf("IssueURL: %+v, %v", link, err)
		}
		rep, err := faceauth.InspectURL(link.URL, sim.APIKey)
		if err != nil || rep.Params.Token != link.Token {
			t.Fatalf("the link carries another token: %+v, %v", rep, err)
		}
		st, err := l.Status(link.Token)
		if err != nil || st.State != "unused" || st.SubmissionID != "sub_1" || st.UserID != "user-1" || st.Metadata["order"] != "A-17" {
			t.Fatalf("Status: %+v, %v", st, err)
		}
		before := len(sim.Webhooks())
		if page := sim.Open(link.URL); page.Status != http.StatusOK {
			t.Fatalf("open: %+v", page)
		}
		var bodies [][]byte
		for deadline := time.Now().Add(30 * time.Second); len(bodies) < before+2 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			bodies = sim.Webhooks()
		}
		if len(bodies) < before+2 {
			t.Fatalf("%d webhooks", len(bodies)-before)
		}
		var outcomes []string
		for _, body := range bodies[before:] {
			res, err := l.ApplyWebhook(body, nil)
			if err != nil {
				t.Fatal(err)
			}
			outcomes = append(outcomes, res.Outcome)
			// Twice gives the same record.
			if again, err := l.ApplyWebhook(body, nil); err != nil || again.Outcome != res.Outcome {
				t.Fatalf("applied twice: %+v, %v", again, err)
			}
		}
		st, err = l.Status(link.Token)
		if err != nil || st.State != "completed" || st.Result == nil || st.Result.AuthID == "" || st.Result.Status != "approved" {
			t.Fatalf("after the webhooks (%v): %+v, %v", outcomes, st, err)
		}
		if list, err := l.List(faceauth.ListFilter{State: "completed", SubmissionID: "sub_1"}); err != nil || len(list) != 1 || list[0].Token != link.Token {
			t.Fatalf("List: %v, %v", list, err)
		}
		if list, err := l.List(faceauth.ListFilter{State: "unused"}); err != nil || len(list) != 0 {
			t.Fatalf("List unused: %v, %v", list, err)
		}
	}
}

func TestLedgerTimeRuleMarkUsedAndPurge(t *testing.T) {
	l := mustLedger(t, ":memory:")
	links := mustBuilder(t, "p", demoKey)
	link, err := l.IssueURL(links, faceauth.TimeRule(90*time.Minute), faceauth.AuthParams{SID: "s"})
	if err != nil || link.Rule != "time:5400" {
		t.Fatalf("%+v, %v", link, err)
	}
	st, err := l.MarkUsed(link.Token)
	if err != nil || st.State != "active" || st.FirstUsedAt == "" || st.Until == "" {
		t.Fatalf("MarkUsed: %+v, %v", st, err)
	}
	other, _ := l.IssueURL(links, faceauth.CountRule(), faceauth.AuthParams{SID: "s2"})
	if list, err := l.List(faceauth.ListFilter{Limit: 1}); err != nil || len(list) != 1 {
		t.Fatalf("Limit: %v, %v", list, err)
	}
	if list, err := l.List(faceauth.ListFilter{Since: time.Now().Add(time.Hour)}); err != nil || len(list) != 0 {
		t.Fatalf("Since: %v, %v", list, err)
	}
	if n, err := l.Purge(time.Hour); err != nil || n != 0 {
		t.Fatalf("Purge(1h): %d, %v", n, err)
	}
	time.Sleep(5 * time.Millisecond) // issue times are in milliseconds: both now lie before "now"
	if n, err := l.Purge(0); err != nil || n != 2 {
		t.Fatalf("Purge(0): %d, %v", n, err)
	}
	if _, err := l.Status(other.Token); !errors.Is(err, faceauth.ErrTokenUnknown) {
		t.Fatalf("after Purge: %v", err)
	}
}

func TestLedgerErrors(t *testing.T) {
	dir := t.TempDir()
	notLedger := filepath.Join(dir, "not-a-ledger.db")
	if err := os.WriteFile(notLedger, []byte("this is not an SQLite database, nor a ledger, at all.........................................................."), 0o600); err != nil {
		t.Fatal(err)
	}
	l := mustLedger(t, ":memory:")
	links := mustBuilder(t, "p", demoKey)
	open := func(loc string) func() error {
		return func() error { _, err := faceauth.OpenLedger(loc); return err }
	}
	issue := func(rule faceauth.TokenRule, p faceauth.AuthParams, meta map[string]string) func() error {
		return func() error { _, err := l.IssueURLWithMetadata(links, rule, p, meta); return err }
	}
	checkErrors(t, []errCase{
		{"empty location", open(""), faceauth.ErrInvalidArgument},
		// SQLite would read these as URIs (mode=memory keeps nothing): refused, as everywhere.
		{"file: URI", open("file:go.db?mode=memory"), faceauth.ErrInvalidArgument},
		{"file: memory URI", open("file::memory:"), faceauth.ErrInvalidArgument},
		{"unsupported store", open("redis://db/tokens"), faceauth.ErrLedgerUnsupported},
		{"postgres unreachable", open("postgres://u:s3cret-pw@127.0.0.1:1/tokens"), faceauth.ErrLedgerStorage},
		{"no such directory", open(filepath.Join(dir, "missing", "tokens.db")), faceauth.ErrLedgerStorage},
		{"not a ledger", open(notLedger), faceauth.ErrLedgerSchema},
		{"unknown token", func() error { _, err := l.Status("tok_neverissued1"); return err }, faceauth.ErrTokenUnknown},
		{"bad token id", func() error { _, err := l.MarkUsed("x"); return err }, faceauth.ErrInvalidToken},
		{"token given", issue(faceauth.CountRule(), faceauth.AuthParams{SID: "s", Token: "tok_abcdefgh"}, nil), faceauth.ErrInvalidArgument},
		{"negative window", issue(faceauth.TimeRule(-time.Hour), faceauth.AuthParams{SID: "s"}, nil), faceauth.ErrInvalidArgument},
		{"empty metadata key", issue(faceauth.CountRule(), faceauth.AuthParams{SID: "s"}, map[string]string{"": "x"}), faceauth.ErrInvalidArgument},
		{"empty sid", issue(faceauth.CountRule(), faceauth.AuthParams{}, nil), faceauth.ErrInvalidArgument},
		{"unknown state", func() error { _, err := l.List(faceauth.ListFilter{State: "lost"}); return err }, faceauth.ErrInvalidArgument},
		{"negative purge", func() error { _, err := l.Purge(-time.Millisecond); return err }, faceauth.ErrInvalidArgument},
		{"malformed webhook", func() error { _, err := l.ApplyWebhook([]byte("nope"), nil); return err }, faceauth.ErrWebhookMalformed},
		{"encrypted, no key", func() error { _, err := l.ApplyWebhook([]byte(`{"data":"c2VjcmV0"}`), nil); return err }, faceauth.ErrWebhookKeyRequired},
	})
	// The file was left untouched.
	if b, _ := os.ReadFile(notLedger); len(b) == 0 || b[0] != 't' {
		t.Fatal("the file that is not a ledger was changed")
	}
	closed, _ := faceauth.OpenLedger(":memory:")
	closed.Close()
	closed.Close()
	if _, err := closed.IssueURL(links, faceauth.CountRule(), faceauth.AuthParams{SID: "s"}); !errors.Is(err, faceauth.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// 64 goroutines share one ledger (a file) and one builder.
func TestLedgerSharedBySixtyFourGoroutines(t *testing.T) {
	l := mustLedger(t, filepath.Join(t.TempDir(), "shared.db"))
	links := mustBuilder(t, "p", demoKey)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				link, err := l.IssueURL(links, faceauth.CountRule(), faceauth.AuthParams{SID: fmt.Sprintf("s-%d-%d", g, i)})
				if err == nil {
					_, err = l.MarkUsed(link.Token)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if list, err := l.List(faceauth.ListFilter{}); err != nil || len(list) != 320 {
		t.Fatalf("%d tokens, %v", len(list), err)
	}
}
