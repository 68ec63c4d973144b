// Command webhook receives FaceAuth webhooks over HTTP and applies each to the token ledger:
// it parses the body (decrypting it when the ID check project encrypts webhooks, with
// $FACEAUTH_WEBHOOK_KEY), confirms it with Argos (Argos signs no webhook, so a result is
// fetched back by its authentication id with $FACEAUTH_API_KEY), then records what Argos said
// about the link's token (completed with a result, or expired).
//
//	FACEAUTH_API_KEY=… FACEAUTH_WEBHOOK_KEY=… webhook -listen 127.0.0.1:9000 -ledger tokens.db
//
// Point the ID check project's webhook URL (or `faceauth mock --webhook-url`) at
// http://HOST:PORT/webhook; issue links with Ledger.IssueURL (or `faceauth ledger issue`) on
// the same ledger file.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/faceauth/faceauth/go"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "the address to listen on")
	ledgerPath := flag.String("ledger", "tokens.db", "the token ledger file (created if missing)")
	scheme := flag.String("scheme", "ecb", "the webhook encryption scheme")
	baseURL := flag.String("base-url", os.Getenv("FACEAUTH_BASE_URL"), "the REST base URL (default Argos's)")
	flag.Parse()
	// Each request's context bounds its confirmation (see ServeHTTP), retries included.
	client, err := faceauth.NewClient(os.Getenv("FACEAUTH_API_KEY"), faceauth.ClientOptions{BaseURL: *baseURL})
	if err != nil {
		log.Fatalf("FACEAUTH_API_KEY: %v", err)
	}
	defer client.Close()
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
	mux.Handle("/webhook", newHandler(ledger, client, c, log.New(os.Stderr, "webhook: ", log.LstdFlags)))
	log.Printf("listening on http://%s/webhook", *listen)
	log.Fatal(http.ListenAndServe(*listen, mux))
}

// handler confirms webhooks with Argos and applies them to a ledger.
type handler struct {
	ledger *faceauth.Ledger
	client *faceauth.Client // confirms each result with Argos
	cipher *faceauth.Cipher // nil when webhooks come in clear
	log    *log.Logger
}

func newHandler(l *faceauth.Ledger, client *faceauth.Client, c *faceauth.Cipher, lg *log.Logger) *handler {
	return &handler{ledger: l, client: client, cipher: c, log: lg}
}

// ServeHTTP answers 204 once the webhook is confirmed and applied (or knowingly ignored); 400
// for a body that will never parse; 422 for a webhook Argos does not confirm (unknown to it,
// another submission's, a token_expired in clear): a retry is pointless for both; 503 when
// Argos or the ledger cannot be reached, so the sender retries; 405 for anything but POST.
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
	// Under the sender's patience: the confirmation call (aborted in flight when the deadline
	// passes or the sender hangs up), then the ledger write.
	ctx, cancel := context.WithTimeout(r.Context(), 4*time.Second)
	defer cancel()
	res, err := h.ledger.ApplyConfirmed(ctx, h.client, body, h.cipher)
	if err != nil {
		// Kind and message only: they never hold the key (nor the body).
		h.log.Printf("webhook not applied: %v", err)
		kind := "error"
		var fe *faceauth.Error
		if errors.As(err, &fe) {
			kind = fe.Kind
		}
		switch {
		case errors.Is(err, faceauth.ErrWebhookMalformed), errors.Is(err, faceauth.ErrWebhookKeyRequired),
			errors.Is(err, faceauth.ErrWebhookDecrypt), errors.Is(err, faceauth.ErrInvalidUTF8):
			http.Error(w, "unreadable webhook", http.StatusBadRequest)
		case errors.Is(err, faceauth.ErrWebhookUnconfirmed), errors.Is(err, faceauth.ErrWebhookMismatch),
			errors.Is(err, faceauth.ErrWebhookUnverifiable):
			http.Error(w, "refused: "+kind, http.StatusUnprocessableEntity)
		default:
			http.Error(w, "not recorded: "+kind, http.StatusServiceUnavailable)
		}
		return
	}
	switch res.Outcome {
	case "recorded":
		h.log.Printf("token %s: %s (confirmed with Argos)", res.Status.Token, res.Status.State)
	case "refused":
		h.log.Printf("token %s: refused: %s", res.Token, res.Reason)
		http.Error(w, "refused: "+res.Reason, http.StatusUnprocessableEntity)
		return
	case "unknown_token":
		h.log.Printf("token %s is not in this ledger", res.Token)
	default:
		h.log.Printf("%s: %s", res.Outcome, res.Reason)
	}
	w.WriteHeader(http.StatusNoContent)
}
