// Command webhook receives FaceAuth webhooks over HTTP: it parses each body (decrypting it
// when the ID check project encrypts webhooks, with $FACEAUTH_WEBHOOK_KEY) and records what it
// says.
//
//	FACEAUTH_WEBHOOK_KEY=… webhook -listen 127.0.0.1:9000
//
// Point the ID check project's webhook URL (or `faceauth mock --webhook-url`) at
// http://HOST:PORT/webhook. No signature is documented: confirm a result with
// Client.Get before acting on it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"

	"github.com/faceauth/faceauth/go"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "the address to listen on")
	scheme := flag.String("scheme", "ecb", "the webhook encryption scheme")
	flag.Parse()
	var c *faceauth.Cipher
	if key := os.Getenv("FACEAUTH_WEBHOOK_KEY"); key != "" {
		var err error
		if c, err = faceauth.NewCipher(key, *scheme); err != nil {
			log.Fatal(err)
		}
		defer c.Close()
	}
	h := newHandler(c, log.New(os.Stderr, "webhook: ", log.LstdFlags))
	mux := http.NewServeMux()
	mux.Handle("/webhook", h)
	log.Printf("listening on http://%s/webhook", *listen)
	log.Fatal(http.ListenAndServe(*listen, mux))
}

// handler parses webhooks and keeps what they say: the latest state of each token and the
// results by auth id.
type handler struct {
	cipher *faceauth.Cipher // nil when webhooks come in clear
	log    *log.Logger

	mu      sync.Mutex
	results map[string]*faceauth.FaceAuthEvent // by auth id
	tokens  map[string]string                  // token id -> "completed:<status>" or "expired"
}

func newHandler(c *faceauth.Cipher, l *log.Logger) *handler {
	return &handler{cipher: c, log: l, results: map[string]*faceauth.FaceAuthEvent{}, tokens: map[string]string{}}
}

// ServeHTTP answers 204 once the event is recorded; 400 for a body that will never parse (so
// a retry is pointless); 405 for anything but POST.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusBadRequest)
		return
	}
	ev, err := faceauth.ParseWebhook(body, h.cipher)
	if err != nil {
		var fe *faceauth.Error
		if errors.As(err, &fe) {
			// Kind and message only: they never hold the key (nor the body).
			h.log.Printf("refused a webhook: %s", fe.Kind)
		}
		http.Error(w, "unreadable webhook", http.StatusBadRequest)
		return
	}
	h.apply(ev)
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) apply(ev faceauth.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch ev := ev.(type) {
	case *faceauth.FaceAuthEvent:
		h.results[ev.AuthID] = ev
		if ev.TokenID != "" {
			h.tokens[ev.TokenID] = "completed:" + ev.Status
		}
		h.log.Printf("faceAuth %s: %s (submission %s, token %s)", ev.AuthID, ev.Status, ev.SubmissionID, ev.TokenID)
	case *faceauth.TokenExpiredEvent:
		if _, done := h.tokens[ev.TokenID]; !done {
			h.tokens[ev.TokenID] = "expired"
		}
		h.log.Printf("token %s expired (%s)", ev.TokenID, ev.Condition)
	case *faceauth.UnknownEvent:
		h.log.Printf("ignored a %q webhook", ev.Trigger)
	}
}

// state is what the handler knows about a token ("" when nothing).
func (h *handler) state(token string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tokens[token]
}

func (h *handler) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return fmt.Sprintf("webhook handler: %d results, %d tokens", len(h.results), len(h.tokens))
}
