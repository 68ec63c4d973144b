package faceauthtest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

// A link opened on the hosted page records a result and sends webhooks; a count token is
// spent by its first use; a time token expires when the clock passes its window.
func TestHostedPageTokensAndWebhooks(t *testing.T) {
	sim := faceauthtest.StartSimulator(t, faceauthtest.WithTokenRule("count"))
	sim.AddSubmission("sub_1", "approved")
	links, err := faceauth.NewURLBuilder(sim.ProjectID, sim.APIKey, faceauth.WithBaseURL(sim.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer links.Close()
	tok, _ := faceauth.GenerateToken()
	u, err := links.Build(faceauth.AuthParams{SID: "sub_1", UserID: "user-1", Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	page := sim.Open(u)
	if page.Status != http.StatusOK || page.AuthStatus != "approved" || page.AuthID == "" {
		t.Fatalf("first open: %+v", page)
	}
	if again := sim.Open(u); again.Status != http.StatusGone {
		t.Fatalf("second open of a count token: %+v", again)
	}
	var sawResult, sawExpiry bool
	deadline := time.Now().Add(30 * time.Second)
	for !(sawResult && sawExpiry) && time.Now().Before(deadline) {
		for _, body := range sim.Webhooks() {
			ev, err := faceauth.ParseWebhook(body, nil)
			if err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			switch ev := ev.(type) {
			case *faceauth.FaceAuthEvent:
				sawResult = sawResult || (ev.AuthID == page.AuthID && ev.TokenID == tok && ev.UserID == "user-1")
			case *faceauth.TokenExpiredEvent:
				sawExpiry = sawExpiry || (ev.TokenID == tok && ev.Condition == "count")
			}
		}
		if !(sawResult && sawExpiry) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !sawResult || !sawExpiry {
		t.Fatalf("webhooks: faceAuth %v, token_expired %v", sawResult, sawExpiry)
	}
	received, processed := sim.Requests()
	if received == nil || processed == nil {
		t.Fatal("no request counts")
	}
	if s := sim.String(); strings.Contains(s, sim.APIKey) {
		t.Fatal(s)
	}
}

func TestAdvanceClockExpiresTimeTokens(t *testing.T) {
	key := "encrypted-webhooks-key-0123456789"
	sim := faceauthtest.StartSimulator(t, faceauthtest.WithTokenRule("time:60"), faceauthtest.WithWebhookKey(key),
		faceauthtest.WithProjectID("clock-project"), faceauthtest.WithAPIKey("clock-api-key-0123456789"))
	sim.AddSubmission("sub_1", "approved")
	links, _ := faceauth.NewURLBuilder(sim.ProjectID, sim.APIKey, faceauth.WithBaseURL(sim.URL))
	defer links.Close()
	u, _ := links.Build(faceauth.AuthParams{SID: "sub_1", Token: "tok_clock0001"})
	if p := sim.Open(u); p.Status != http.StatusOK {
		t.Fatalf("first open: %+v", p)
	}
	if p := sim.Open(u); p.Status != http.StatusOK {
		t.Fatalf("within the window: %+v", p)
	}
	sim.AdvanceClock(61 * time.Second)
	if p := sim.Open(u); p.Status != http.StatusGone {
		t.Fatalf("after the window: %+v", p)
	}
	// The webhooks are encrypted: parse needs the key.
	c, _ := faceauth.NewCipher(key, "ecb")
	defer c.Close()
	bodies := sim.Webhooks()
	for deadline := time.Now().Add(30 * time.Second); len(bodies) < 2 && time.Now().Before(deadline); bodies = sim.Webhooks() {
		time.Sleep(20 * time.Millisecond)
	}
	if len(bodies) < 2 {
		t.Fatalf("%d webhooks: want the result and the expiry", len(bodies))
	}
	for _, body := range bodies {
		if _, err := faceauth.ParseWebhook(body, nil); err == nil {
			t.Fatalf("an encrypted webhook parsed without a key: %s", body)
		}
		if _, err := faceauth.ParseWebhook(body, c); err != nil {
			t.Fatal(err)
		}
	}
}

// The simulator starts from the test's process alone: FACEAUTH_BIN names no command that works.
func TestNoCommandNeeded(t *testing.T) {
	t.Setenv("FACEAUTH_BIN", "/nonexistent/faceauth")
	t.Setenv("PATH", t.TempDir())
	sim := faceauthtest.StartSimulator(t, faceauthtest.WithArgs("--token-rule=count", "--latency-ms", "1"),
		faceauthtest.WithConfig(map[string]any{"submissions": []string{"sub_seeded"}}))
	if !strings.HasPrefix(sim.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", sim.URL)
	}
	if received, _ := sim.Requests(); len(received) != 0 {
		t.Errorf("a fresh simulator counted requests: %v", received)
	}
	c, err := faceauth.NewClient(sim.APIKey, faceauth.ClientOptions{BaseURL: sim.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Submit(t.Context(), faceauth.Submission{SubmissionID: "sub_seeded", Image: []byte{0xff, 0xd8, 0xff, 0xe0}}); err != nil {
		t.Fatalf("the seeded submission: %v", err)
	}
}

// Links encrypted with a separate URL key and GCM open; links made with the API key do not.
func TestURLKeyAndScheme(t *testing.T) {
	urlKey := "separate-url-key-0123456789"
	sim := faceauthtest.StartSimulator(t, faceauthtest.WithURLKey(urlKey), faceauthtest.WithScheme("gcm"))
	sim.AddSubmission("sub_1", "approved")
	for _, tc := range []struct {
		key, scheme string
		ok          bool
	}{{urlKey, "gcm", true}, {sim.APIKey, "gcm", false}, {urlKey, "ecb", false}} {
		links, err := faceauth.NewURLBuilder(sim.ProjectID, tc.key, faceauth.WithBaseURL(sim.URL), faceauth.WithScheme(tc.scheme))
		if err != nil {
			t.Fatal(err)
		}
		u, _ := links.Build(faceauth.AuthParams{SID: "sub_1"})
		links.Close()
		if p := sim.Open(u); (p.Status == http.StatusOK) != tc.ok {
			t.Errorf("%s link: %+v", tc.scheme, p)
		}
	}
}

// fatalTB records the first Fatalf and stops the caller there (recovered by startFails).
type fatalTB struct {
	testing.TB
	message string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.message = fmt.Sprintf(format, args...)
	panic(f)
}

// startFails runs StartSimulator on a recording TB and returns what it failed the test with.
func startFails(t *testing.T, opts ...faceauthtest.Option) (message string) {
	t.Helper()
	tb := &fatalTB{TB: t}
	defer func() {
		if r := recover(); r != tb {
			t.Fatalf("StartSimulator did not fail the test (recovered %v)", r)
		}
		message = tb.message
	}()
	faceauthtest.StartSimulator(tb, opts...)
	return ""
}

// A configuration the simulator refuses fails the test with the library's typed error, and
// never prints a key.
func TestBadConfigurationsFailTheTest(t *testing.T) {
	for _, tc := range []struct {
		opts []faceauthtest.Option
		want string
	}{
		{[]faceauthtest.Option{faceauthtest.WithConfig(map[string]any{"api_kee": "x"})}, "invalid_argument"},
		{[]faceauthtest.Option{faceauthtest.WithTokenRule("sometimes")}, "invalid_argument"},
		{[]faceauthtest.Option{faceauthtest.WithWebhookKey(" s3cret-hook ")}, "invalid_key"},
		{[]faceauthtest.Option{faceauthtest.WithArgs("--no-such-flag", "1")}, "--no-such-flag"},
		{[]faceauthtest.Option{faceauthtest.WithArgs("--latency-ms")}, "needs a value"},
		{[]faceauthtest.Option{faceauthtest.WithArgs("--latency-ms", "soon")}, "--latency-ms"},
	} {
		got := startFails(t, tc.opts...)
		if !strings.Contains(got, tc.want) || strings.Contains(got, "s3cret") {
			t.Errorf("failed with %q, want it to say %q", got, tc.want)
		}
	}
}
