// Command webhook receives FaceAuth webhooks over HTTP and applies each to the token ledger:
// it parses the body (decrypting it when the ID check project encrypts webhooks, with
// $FACEAUTH_WEBHOOK_KEY), then records what it says about the link's token (completed with a
// result, or expired).
//
//	FACEAUTH_WEBHOOK_KEY=… webhook -listen 127.0.0.1:9000 -ledger tokens.db
//
// Point the ID check project's webhook URL (or `faceauth mock --webhook-url`) at
// http://HOST:PORT/webhook; issue links with Ledger.IssueURL (or `faceauth tokens issue`) on
// the same ledger file. No signature is documented: confirm a result with Client.Get before
// acting on it.
package main

import (
	"errors"
	"flag"
	"io"
	"log"
	"net/http"
	"os"

	"github.com/faceauth/faceauth/go"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "the address to listen on")
	ledgerPath := flag.String("ledger", "tokens.db", "the token ledger file (created if missing)")
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
	ledger, err := faceauth.OpenLedger(*ledgerPath)
	if err != nil {
		log.Fatal(err)
	}
	defer ledger.Close()
	mux := http.NewServeMux()
	mux.Handle("/webhook", newHandler(ledger, c, log.New(os.Stderr, "webhook: ", log.LstdFlags)))
	log.Printf("listening on http://%s/webhook", *listen)
	log.Fatal(http.ListenAndServe(*listen, mux))
}

// handler applies webhooks to a ledger.
type handler struct {
	ledger *faceauth.Ledger
	cipher *faceauth.Cipher // nil when webhooks come in clear
	log    *log.Logger
}

func newHandler(l *faceauth.Ledger, c *faceauth.Cipher, lg *log.Logger) *handler {
	return &handler{ledger: l, cipher: c, log: lg}
}

// ServeHTTP answers 204 once the webhook is applied (or knowingly ignored); 400 for a body that
// will never parse, so a retry is pointless; 500 when the ledger could not record it, so the
// sender retries; 405 for anything but POST.
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
	res, err := h.ledger.ApplyWebhook(body, h.cipher)
	if err != nil {
		// Kind and message only: they never hold the key (nor the body).
		h.log.Printf("webhook not applied: %v", err)
		var fe *faceauth.Error
		switch {
		case errors.Is(err, faceauth.ErrWebhookMalformed), errors.Is(err, faceauth.ErrWebhookKeyRequired),
			errors.Is(err, faceauth.ErrWebhookDecrypt), errors.Is(err, faceauth.ErrInvalidUTF8):
			http.Error(w, "unreadable webhook", http.StatusBadRequest)
		case errors.As(err, &fe):
			http.Error(w, "not recorded: "+fe.Kind, http.StatusInternalServerError)
		default:
			http.Error(w, "not recorded", http.StatusInternalServerError)
		}
		return
	}
	switch res.Outcome {
	case "recorded":
		h.log.Printf("token %s: %s", res.Status.Token, res.Status.State)
	case "unknown_token":
		h.log.Printf("token %s is not in this ledger", res.Token)
	default:
		h.log.Printf("%s: %s", res.Outcome, res.Reason)
	}
	w.WriteHeader(http.StatusNoContent)
}
