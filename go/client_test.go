package faceauth_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

// A JPEG-looking selfie (the simulator reads the type from the first bytes).
var selfie = append([]byte{0xff, 0xd8, 0xff, 0xe0}, []byte("a selfie, as far as the simulator cares")...)

func mustClient(t testing.TB, key string, opts faceauth.ClientOptions) *faceauth.Client {
	t.Helper()
	c, err := faceauth.NewClient(key, opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClientAgainstTheSimulator(t *testing.T) {
	sim := faceauthtest.StartSimulator(t)
	sim.AddSubmission("sub_1", "approved")
	day := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	sim.AddResults(7, "sub_1", day, time.Minute)
	c := mustClient(t, sim.APIKey, faceauth.ClientOptions{BaseURL: sim.URL, Timeout: 30 * time.Second})
	ctx := t.Context()

	res, err := c.Submit(ctx, faceauth.Submission{SubmissionID: "sub_1", Image: selfie, UserID: "user-1", CF1: "x"})
	if err != nil || res.Status != "approved" || res.AuthID == "" {
		t.Fatalf("Submit: %+v, %v", res, err)
	}
	rej, err := c.Submit(ctx, faceauth.Submission{SubmissionID: "sub_1", Image: append(selfie, "REJECT"...)})
	if err != nil || rej.Status != "rejected" || len(rej.FailCodes) == 0 {
		t.Fatalf("a rejected face is a result: %+v, %v", rej, err)
	}

	rec, err := c.Get(ctx, res.AuthID)
	if err != nil || rec.AuthID != res.AuthID || rec.Status != "approved" ||
		rec.SubmissionID != "sub_1" || rec.ProjectID != sim.ProjectID || len(rec.Raw) == 0 {
		t.Fatalf("Get: %+v, %v", rec, err)
	}

	img, err := c.Image(ctx, res.AuthID)
	if err != nil || !bytes.Equal(img.Data, selfie) || img.ContentType != "image/jpeg" {
		t.Fatalf("Image: %+v, %v", img, err)
	}

	// The seeded day, in pages of 3: seven rows, newest first.
	var rows []*faceauth.AuthRecord
	for r, err := range c.List(ctx, faceauth.ListQuery{StartDate: "2025-03-01", EndDate: "2025-03-01", Count: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 7 || rows[0].CreateTime <= rows[6].CreateTime {
		t.Fatalf("List: %d rows", len(rows))
	}
	all, incomplete, err := c.ListAll(ctx, faceauth.ListQuery{})
	if err != nil || len(all) != 9 || incomplete != "" {
		t.Fatalf("ListAll: %d rows, %q, %v", len(all), incomplete, err)
	}
	// Breaking out of the loop ends the listing (and frees it).
	n := 0
	for range c.List(ctx, faceauth.ListQuery{Count: 1}) {
		if n++; n == 2 {
			break
		}
	}

	if err := c.Delete(ctx, res.AuthID); err != nil {
		t.Fatal(err)
	}
	if rec, err := c.Get(ctx, res.AuthID); err != nil || !rec.Deleted {
		t.Fatalf("after Delete: %+v, %v", rec, err)
	}
	checkErrors(t, []errCase{
		{"get unknown", func() error { _, err := c.Get(ctx, "fa_does_not_exist"); return err }, faceauth.ErrNotFound},
		{"delete twice", func() error { return c.Delete(ctx, res.AuthID) }, faceauth.ErrNotFound},
		{"image erased", func() error { _, err := c.Image(ctx, res.AuthID); return err }, faceauth.ErrNotFound},
		{"submit unknown submission", func() error {
			_, err := c.Submit(ctx, faceauth.Submission{SubmissionID: "nope", Image: selfie})
			return err
		}, faceauth.ErrInvalidRequest},
		{"submit empty image", func() error { _, err := c.Submit(ctx, faceauth.Submission{SubmissionID: "sub_1"}); return err }, faceauth.ErrInvalidArgument},
		{"empty id", func() error { _, err := c.Get(ctx, ""); return err }, faceauth.ErrInvalidArgument},
		{"one date", func() error { return firstErr(c, faceauth.ListQuery{StartDate: "2025-03-01"}) }, faceauth.ErrInvalidArgument},
		{"count too big", func() error { return firstErr(c, faceauth.ListQuery{Count: 5000}) }, faceauth.ErrInvalidArgument},
		{"negative count", func() error { return firstErr(c, faceauth.ListQuery{Count: -1}) }, faceauth.ErrInvalidArgument},
		{"bad base URL", func() error {
			_, err := faceauth.NewClient(sim.APIKey, faceauth.ClientOptions{BaseURL: "ftp://x"})
			return err
		}, faceauth.ErrInvalidArgument},
		{"empty key", func() error { _, err := faceauth.NewClient("", faceauth.ClientOptions{}); return err }, faceauth.ErrInvalidArgument},
		{"negative timeout", func() error { _, err := faceauth.NewClient("k", faceauth.ClientOptions{Timeout: -1}); return err }, faceauth.ErrInvalidArgument},
	})
}

// firstErr ranges over a listing and returns its first error.
func firstErr(c *faceauth.Client, q faceauth.ListQuery) error {
	for _, err := range c.List(context.Background(), q) {
		if err != nil {
			return err
		}
	}
	return nil
}

// Every REST error kind, each from a real cause: a simulator configured to refuse, a fault it
// injects, a closed port, or a loopback server that answers what the simulator never does.
func TestClientErrorKinds(t *testing.T) {
	ctx := t.Context()
	sim := faceauthtest.StartSimulator(t)
	sim.AddSubmission("sub_1", "approved")
	noRetry := faceauth.ClientOptions{BaseURL: sim.URL, MaxRetries: faceauth.NoRetries, Timeout: 20 * time.Second}
	c := mustClient(t, sim.APIKey, noRetry)
	wrongKey := mustClient(t, "not-the-key-0123456789", noRetry)

	denied := faceauthtest.StartSimulator(t, faceauthtest.WithArgs("--allow-ip", "10.9.9.9"))
	deniedClient := mustClient(t, denied.APIKey, faceauth.ClientOptions{BaseURL: denied.URL})

	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"max_body_bytes": 2000}`), 0o600); err != nil {
		t.Fatal(err)
	}
	small := faceauthtest.StartSimulator(t, faceauthtest.WithArgs("--seed", seed))
	small.AddSubmission("sub_1", "approved")
	smallClient := mustClient(t, small.APIKey, faceauth.ClientOptions{BaseURL: small.URL})

	slow := faceauthtest.StartSimulator(t, faceauthtest.WithArgs("--latency-ms", "3000"))
	slowClient := mustClient(t, slow.APIKey, faceauth.ClientOptions{BaseURL: slow.URL, Timeout: 300 * time.Millisecond, MaxRetries: faceauth.NoRetries})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String()
	ln.Close()
	closedClient := mustClient(t, "k-0123456789", faceauth.ClientOptions{BaseURL: closedURL, MaxRetries: faceauth.NoRetries})

	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("authId") {
		case "no-row": // a success answer without the row asked for
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`[{"faceAuth_projectId":"p","data":[]}]`))
		default: // a success answer that does not decode
			w.Write([]byte("<html>not json</html>"))
		}
	}))
	t.Cleanup(odd.Close)
	oddClient := mustClient(t, "k-0123456789", faceauth.ClientOptions{BaseURL: odd.URL})

	get := func(c *faceauth.Client, id string) func() error {
		return func() error { _, err := c.Get(ctx, id); return err }
	}
	failNext := func(status int) func() error {
		return func() error {
			sim.Faults(map[string]any{"fail_next": 1, "fail_status": status})
			_, err := c.Get(ctx, "fa_x")
			return err
		}
	}
	checkErrors(t, []errCase{
		{"wrong key", get(wrongKey, "fa_x"), faceauth.ErrAuthentication},
		{"IP not allowed", get(deniedClient, "fa_x"), faceauth.ErrIPNotAllowed},
		{"too large", func() error {
			_, err := smallClient.Submit(ctx, faceauth.Submission{SubmissionID: "sub_1", Image: append(selfie, make([]byte, 4000)...)})
			return err
		}, faceauth.ErrPayloadTooLarge},
		{"server error", failNext(500), faceauth.ErrServer},
		{"unexpected status", failNext(418), faceauth.ErrUnexpectedStatus},
		{"timeout", get(slowClient, "fa_x"), faceauth.ErrTimeout},
		{"connection refused", get(closedClient, "fa_x"), faceauth.ErrConnection},
		{"no such row", get(oddClient, "no-row"), faceauth.ErrNotFound},
		{"not JSON", get(oddClient, "garbage"), faceauth.ErrDecode},
	})
	// HTTP statuses travel with the errors that had a response, and only those.
	for _, tc := range []struct {
		err  func() error
		http int
	}{{get(wrongKey, "fa_x"), 403}, {get(deniedClient, "fa_x"), 403}, {failNext(502), 502}, {get(closedClient, "fa_x"), 0}} {
		var fe *faceauth.Error
		if err := tc.err(); !errors.As(err, &fe) || fe.HTTPStatus != tc.http {
			t.Errorf("%v: HTTP status, want %d", err, tc.http)
		}
	}
}

func TestContextDeadlineAndCancel(t *testing.T) {
	slow := faceauthtest.StartSimulator(t, faceauthtest.WithArgs("--latency-ms", "2000"))
	c := mustClient(t, slow.APIKey, faceauth.ClientOptions{BaseURL: slow.URL}) // 60 s, 2 retries

	// A deadline bounds the call on the shared client: a timeout that is also
	// the context's.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, "fa_x")
	if !reached(err, faceauth.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get under a 300 ms deadline: %v", err)
	}
	// An ended context sends nothing.
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	before, _ := slow.Requests()
	if _, err := c.Get(ctx, "fa_x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a canceled context: %v", err)
	}
	if err := c.Delete(ctx, "fa_x"); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, faceauth.Submission{SubmissionID: "s", Image: selfie}); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if _, err := c.Image(ctx, "fa_x"); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if err := firstErrCtx(ctx, c); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	after, _ := slow.Requests()
	if sum(after) != sum(before) {
		t.Fatalf("requests were sent after cancel: %v -> %v", before, after)
	}
	// A long deadline uses the shared client and succeeds.
	fast := faceauthtest.StartSimulator(t)
	fast.AddResults(3, "sub_1", time.Now(), time.Second)
	fc := mustClient(t, fast.APIKey, faceauth.ClientOptions{BaseURL: fast.URL, Timeout: time.Second, MaxRetries: faceauth.NoRetries})
	ctx, cancel = context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	rows, _, err := fc.ListAll(ctx, faceauth.ListQuery{})
	if err != nil || len(rows) != 3 {
		t.Fatalf("ListAll: %d, %v", len(rows), err)
	}
	// Canceling while ranging: the next row is not fetched.
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	n := 0
	var last error
	for _, err := range fc.List(ctx, faceauth.ListQuery{Count: 1}) {
		n++
		cancel()
		last = err
	}
	if n != 2 || !errors.Is(last, context.Canceled) {
		t.Fatalf("%d rows, last error %v", n, last)
	}
}

func firstErrCtx(ctx context.Context, c *faceauth.Client) error {
	for _, err := range c.List(ctx, faceauth.ListQuery{}) {
		return err
	}
	return nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// An unknown id is ErrNotFound, and still ErrInvalidRequest for code written before it was
// told apart; an invalid request that is not "not found" is not ErrNotFound.
func TestNotFoundIsAlsoAnInvalidRequest(t *testing.T) {
	ctx := t.Context()
	sim := faceauthtest.StartSimulator(t)
	c := mustClient(t, sim.APIKey, faceauth.ClientOptions{BaseURL: sim.URL})
	_, err := c.Get(ctx, "fa_does_not_exist")
	var fe *faceauth.Error
	if !errors.Is(err, faceauth.ErrNotFound) || !errors.Is(err, faceauth.ErrInvalidRequest) ||
		!errors.As(err, &fe) || fe.HTTPStatus != 400 || fe.Kind != "api_not_found" {
		t.Fatalf("Get unknown: %#v (%v)", err, err)
	}
	_, err = c.Submit(ctx, faceauth.Submission{SubmissionID: "nope", Image: selfie})
	if !errors.Is(err, faceauth.ErrInvalidRequest) || errors.Is(err, faceauth.ErrNotFound) {
		t.Fatalf("Submit unknown submission: %v", err)
	}
	if errors.Is(faceauth.ErrInvalidRequest, faceauth.ErrNotFound) || errors.Is(faceauth.ErrTimeout, faceauth.ErrInvalidRequest) {
		t.Fatal("only a refinement matches the broader sentinel")
	}
}

// A server whose page keys alternate A, B, A, B… with the same row: ListAll ends, with the row
// once and the reason, instead of collecting copies until its deadline.
func TestListAllEndsWhenPageKeysLoop(t *testing.T) {
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := []string{"A", "B"}[(served.Add(1)-1)%2]
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data": [{"auth_id": "a1", "create_time": "2025-01-01T00:00:01.000Z"}],` +
			` "nextPage_key": {"authId": "` + key + `", "createTime": "2025-01-01T00:00:00.000Z"}}`))
	}))
	t.Cleanup(srv.Close)
	c := mustClient(t, "k-0123456789", faceauth.ClientOptions{BaseURL: srv.URL})
	rows, incomplete, err := c.ListAll(t.Context(), faceauth.ListQuery{})
	if err != nil || len(rows) != 1 || rows[0].AuthID != "a1" || !strings.Contains(incomplete, "instead of looping") {
		t.Fatalf("ListAll: %d rows, %q, %v", len(rows), incomplete, err)
	}
}
