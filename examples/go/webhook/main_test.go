package main

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

// The simulator delivers real webhooks (encrypted) to the handler behind an httptest server.
func TestWebhooksFromTheSimulator(t *testing.T) {
	const webhookKey = "example-webhook-key-0123456789"
	c, err := faceauth.NewCipher(webhookKey, "ecb")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := newHandler(c, log.New(testWriter{t}, "", 0))
	srv := httptest.NewServer(h)
	defer srv.Close()

	sim := faceauthtest.StartSimulator(t, faceauthtest.WithTokenRule("count"), faceauthtest.WithWebhookKey(webhookKey),
		faceauthtest.WithArgs("--webhook-url", srv.URL+"/webhook"))
	sim.AddSubmission("sub_1", "approved")
	links, err := faceauth.NewURLBuilder(sim.ProjectID, sim.APIKey, faceauth.WithBaseURL(sim.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer links.Close()
	token, _ := faceauth.NewToken()
	link, err := links.Build(faceauth.AuthParams{SID: "sub_1", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if page := sim.Open(link); page.Status != http.StatusOK {
		t.Fatalf("open: %+v", page)
	}
	for deadline := time.Now().Add(30 * time.Second); h.state(token) == "" && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if got := h.state(token); got != "completed:approved" {
		t.Fatalf("token state %q; handler %v", got, h)
	}
}

func TestRefusals(t *testing.T) {
	h := newHandler(nil, log.New(io.Discard, "", 0))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tc := range []struct {
		method, body string
		want         int
	}{
		{http.MethodGet, "", http.StatusMethodNotAllowed},
		{http.MethodPost, "not json", http.StatusBadRequest},
		{http.MethodPost, `{"data":"c2VjcmV0"}`, http.StatusBadRequest}, // encrypted, and no key
		{http.MethodPost, strings.Repeat(" ", 2<<20), http.StatusBadRequest},
		{http.MethodPost, `{"webhook_trigger":"token_expired","token_id":"tok_abcdefgh","expired_condition":"count"}`, http.StatusNoContent},
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
	if h.state("tok_abcdefgh") != "expired" {
		t.Fatal("the token_expired webhook was not applied")
	}
}

// testWriter sends the handler's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
