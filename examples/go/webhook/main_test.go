package main

import (
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

// A link issued through the ledger, opened on the simulator, whose (encrypted) webhooks the
// simulator delivers to the handler behind an httptest server: each result is confirmed with
// the simulator, and the token ends completed, its result marked confirmed.
func TestWebhooksUpdateTheLedger(t *testing.T) {
	const webhookKey = "example-webhook-key-0123456789"
	c, err := faceauth.NewCipher(webhookKey, "ecb")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ledger, err := faceauth.OpenLedger(filepath.Join(t.TempDir(), "tokens.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer ledger.Close()
	// The receiver's address is known before the simulator starts (which needs it), and the
	// receiver serves only once its handler has the client (which needs the simulator's URL).
	h := newHandler(ledger, nil, c, log.New(testWriter{t}, "", 0))
	srv := httptest.NewUnstartedServer(h)
	defer srv.Close()

	sim := faceauthtest.StartSimulator(t, faceauthtest.WithTokenRule("count"), faceauthtest.WithWebhookKey(webhookKey),
		faceauthtest.WithWebhookURL("http://"+srv.Listener.Addr().String()+"/webhook"))
	client, err := faceauth.NewClient(sim.APIKey, faceauth.ClientOptions{BaseURL: sim.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	h.client = client
	srv.Start()
	sim.AddSubmission("sub_1", "approved")
	links, err := faceauth.NewURLBuilder(sim.ProjectID, sim.APIKey, faceauth.WithBaseURL(sim.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer links.Close()
	link, err := ledger.IssueURL(links, faceauth.CountRule(), faceauth.AuthParams{SID: "sub_1", UserID: "user-1"})
	if err != nil {
		t.Fatal(err)
	}
	page := sim.Open(link.URL)
	if page.Status != http.StatusOK {
		t.Fatalf("open: %+v", page)
	}
	var st *faceauth.TokenStatus
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, err = ledger.Status(link.Token); err != nil || st.State == "completed" {
			break
		}
	}
	if err != nil || st.State != "completed" || st.Result == nil || st.Result.AuthID != page.AuthID || !st.Result.Confirmed {
		t.Fatalf("token status %+v, %v", st, err)
	}

	// A forged body naming the real result for another token of another submission: refused.
	other, err := ledger.IssueURL(links, faceauth.CountRule(), faceauth.AuthParams{SID: "sub_2"})
	if err != nil {
		t.Fatal(err)
	}
	forged := `{"webhook_trigger":"faceAuth","data":{"Authentication_id":"` + page.AuthID +
		`","Submission_id":"sub_2","Auth_Status":"approved","Token_id":"` + other.Token + `"}}`
	sealed, err := c.Encrypt(forged)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL+"/webhook", "application/json", strings.NewReader(`{"data":"`+sealed+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("forged: %d, want 422", resp.StatusCode)
	}
	if st, err := ledger.Status(other.Token); err != nil || st.State != "unused" {
		t.Errorf("the forged webhook changed the other token: %+v, %v", st, err)
	}
}

func TestRefusals(t *testing.T) {
	ledger, err := faceauth.OpenLedger(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer ledger.Close()
	// Nothing listens on port 9: Argos cannot be asked.
	client, err := faceauth.NewClient("example-api-key-0123456789", faceauth.ClientOptions{BaseURL: "http://127.0.0.1:9", MaxRetries: faceauth.NoRetries})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	srv := httptest.NewServer(newHandler(ledger, client, nil, log.New(testWriter{t}, "", 0)))
	defer srv.Close()
	for _, tc := range []struct {
		method, body string
		want         int
	}{
		{http.MethodGet, "", http.StatusMethodNotAllowed},
		{http.MethodPost, "not json", http.StatusBadRequest},
		{http.MethodPost, `{"data":"c2VjcmV0"}`, http.StatusBadRequest}, // encrypted, and no key
		{http.MethodPost, strings.Repeat(" ", 2<<20), http.StatusBadRequest},
		// No API call confirms a token_expired event: only an encrypted one is trusted.
		{http.MethodPost, `{"webhook_trigger":"token_expired","token_id":"tok_abcdefgh","expired_condition":"count"}`, http.StatusUnprocessableEntity},
		// Another trigger needs no confirmation: knowingly ignored.
		{http.MethodPost, `{"webhook_trigger":"kyc_done"}`, http.StatusNoContent},
		// A result to confirm, and Argos out of reach: 503, so the sender retries.
		{http.MethodPost, `{"webhook_trigger":"faceAuth","data":{"Authentication_id":"fa_1","Submission_id":"s1","Token_id":"tok_abcdefgh"}}`, http.StatusServiceUnavailable},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %.30q: %d, want %d", tc.method, tc.body, resp.StatusCode, tc.want)
		}
	}
	// A closed ledger cannot record: 503, so the sender retries.
	ledger.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"webhook_trigger":"kyc_done"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("closed ledger: %d", resp.StatusCode)
	}
}

// testWriter sends the handler's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
