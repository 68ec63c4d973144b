package faceauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

func TestParseWebhookShapes(t *testing.T) {
	ev, err := faceauth.ParseWebhook([]byte(`{"webhook_trigger":"faceAuth","data":{"Authentication_id":"fa_1",
		"Submission_id":"sub_1","Auth_Status":"approved","Create_Time":"2025-11-12T02:23:13.588Z","Auth_User_id":"u1",
		"Auth_cf1":"a","Token_id":"tok_abcdefgh","reference":{"userid":"ref","email":"e@x","cf":{"cf1":"r1"}}}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	fa, ok := ev.(*faceauth.FaceAuthEvent)
	if !ok || ev.EventName() != "faceAuth" {
		t.Fatalf("%T", ev)
	}
	want := faceauth.FaceAuthEvent{AuthID: "fa_1", SubmissionID: "sub_1", Status: "approved",
		CreateTime: "2025-11-12T02:23:13.588Z", UserID: "u1", CF1: "a", TokenID: "tok_abcdefgh",
		Reference: &faceauth.WebhookReference{UserID: "ref", Email: "e@x", CF1: "r1"}, Shape: "current"}
	if fa.Reference == nil || *fa.Reference != *want.Reference {
		t.Fatalf("reference %+v", fa.Reference)
	}
	fa.Reference, want.Reference = nil, nil
	if *fa != want {
		t.Fatalf("%+v", fa)
	}

	ev, err = faceauth.ParseWebhook([]byte(`{"auth_id":"fa_2","webhook_trigger":"faceAuth","data":{"submission_id":"s","auth_status":"rejected"}}`), nil)
	if fa, ok := ev.(*faceauth.FaceAuthEvent); err != nil || !ok || fa.Shape != "oldest" || fa.Status != "rejected" || fa.AuthID != "fa_2" {
		t.Fatalf("oldest: %+v, %v", ev, err)
	}

	ev, err = faceauth.ParseWebhook([]byte(`{"webhook_trigger":"token_expired","token_id":"tok_abcdefgh","expired_condition":"count","expired_at":"2025-01-01T00:00:00Z","service":"faceAuth"}`), nil)
	te, ok := ev.(*faceauth.TokenExpiredEvent)
	if err != nil || !ok || *te != (faceauth.TokenExpiredEvent{TokenID: "tok_abcdefgh", Condition: "count", ExpiredAt: "2025-01-01T00:00:00Z", Service: "faceAuth"}) || ev.EventName() != "token_expired" {
		t.Fatalf("token_expired: %+v, %v", ev, err)
	}

	ev, err = faceauth.ParseWebhook([]byte(`{"webhook_trigger":"kyc","n":12345678901234567890}`), nil)
	un, ok := ev.(*faceauth.UnknownEvent)
	if err != nil || !ok || un.Trigger != "kyc" || !strings.Contains(string(un.Raw), "12345678901234567890") || ev.EventName() != "unknown" {
		t.Fatalf("unknown: %+v, %v", ev, err)
	}
}

func TestParseEncryptedWebhook(t *testing.T) {
	key := "webhook-key-0123456789abcdef"
	c := mustCipher(t, key, "ecb")
	ct, _ := c.Encrypt(`{"webhook_trigger":"faceAuth","data":{"Authentication_id":"fa_9","Submission_id":"s"}}`)
	body, _ := json.Marshal(map[string]string{"data": ct})
	ev, err := faceauth.ParseWebhook(body, c)
	if fa, ok := ev.(*faceauth.FaceAuthEvent); err != nil || !ok || fa.AuthID != "fa_9" {
		t.Fatalf("%+v, %v", ev, err)
	}
	parse := func(body []byte, c *faceauth.Cipher) func() error {
		return func() error { _, err := faceauth.ParseWebhook(body, c); return err }
	}
	checkErrors(t, []errCase{
		{"no key", parse(body, nil), faceauth.ErrWebhookKeyRequired},
		{"wrong key", parse(body, mustCipher(t, "not-the-webhook-key-0123", "ecb")), faceauth.ErrWebhookDecrypt},
		{"not JSON", parse([]byte("hello"), nil), faceauth.ErrWebhookMalformed},
		{"empty", parse(nil, nil), faceauth.ErrWebhookMalformed},
		{"wrong type", parse([]byte(`{"webhook_trigger":"faceAuth","data":{"Authentication_id":5}}`), nil), faceauth.ErrWebhookMalformed},
		{"NUL byte", parse([]byte("{\x00}"), nil), faceauth.ErrWebhookMalformed},
		{"not UTF-8", parse([]byte("{\"a\":\"\xff\"}"), nil), faceauth.ErrInvalidUTF8},
	})
}

// Webhooks confirmed with the simulator before they are recorded: Argos's facts win over the
// body's, forged and unconfirmable ones are refused, and the ledger takes a result only for a
// token of its own submission.
func TestConfirmWebhook(t *testing.T) {
	const webhookKey = "go-webhook-key-0123456789"
	sim := faceauthtest.StartSimulator(t, faceauthtest.WithTokenRule("count"), faceauthtest.WithWebhookKey(webhookKey))
	sim.AddSubmission("sub_1", "approved")
	sim.AddSubmission("sub_2", "approved")
	links := mustBuilder(t, sim.ProjectID, sim.APIKey, faceauth.WithBaseURL(sim.URL))
	client, err := faceauth.NewClient(sim.APIKey, faceauth.ClientOptions{BaseURL: sim.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	key := mustCipher(t, webhookKey, "ecb")
	l := mustLedger(t, ":memory:")
	ctx := context.Background()

	link, err := l.IssueURL(links, faceauth.CountRule(), faceauth.AuthParams{SID: "sub_1"})
	if err != nil {
		t.Fatal(err)
	}
	page := sim.Open(link.URL)
	bodies := sim.Webhooks() // faceAuth, then token_expired, both sealed
	if page.Status != http.StatusOK || len(bodies) != 2 {
		t.Fatalf("open: %+v, %d webhooks", page, len(bodies))
	}
	c, err := client.ConfirmWebhook(ctx, bodies[0], key)
	if err != nil {
		t.Fatal(err)
	}
	fa, ok := c.Event.(*faceauth.FaceAuthEvent)
	if !ok || c.ConfirmedBy != "argos" || fa.AuthID != page.AuthID || fa.Status != "approved" || !fa.Encrypted ||
		c.Score == nil || c.Record == nil || c.Record.SubmissionID != "sub_1" {
		t.Fatalf("confirmed: %+v %+v", c, c.Event)
	}
	if c, err := client.ConfirmWebhook(ctx, bodies[1], key); err != nil || c.ConfirmedBy != "encrypted" {
		t.Fatalf("sealed token_expired: %+v, %v", c, err)
	}
	for _, body := range bodies {
		res, err := l.ApplyConfirmed(ctx, client, body, key)
		if err != nil || res.Outcome != "recorded" {
			t.Fatalf("ApplyConfirmed: %+v, %v", res, err)
		}
	}
	if st, err := l.Status(link.Token); err != nil || st.State != "completed" || st.Result == nil || !st.Result.Confirmed {
		t.Fatalf("status: %+v, %v", st, err)
	}

	// The real result, claimed for a token of another submission.
	other, err := l.IssueURL(links, faceauth.CountRule(), faceauth.AuthParams{SID: "sub_2"})
	if err != nil {
		t.Fatal(err)
	}
	claim := func(submission string) []byte {
		return []byte(`{"webhook_trigger":"faceAuth","data":{"Authentication_id":"` + page.AuthID + `",` +
			submission + `"Auth_Status":"approved","Token_id":"` + other.Token + `"}}`)
	}
	if res, err := l.ApplyConfirmed(ctx, client, claim(""), nil); err != nil || res.Outcome != "refused" || res.Token != other.Token || res.Reason == "" {
		t.Fatalf("another submission's result: %+v, %v", res, err)
	}
	if st, err := l.Status(other.Token); err != nil || st.State != "unused" {
		t.Fatalf("the refusal changed the token: %+v, %v", st, err)
	}
	confirm := func(body []byte) func() error {
		return func() error { _, err := client.ConfirmWebhook(ctx, body, nil); return err }
	}
	apply := func(body []byte) func() error {
		return func() error { _, err := l.ApplyConfirmed(ctx, client, body, nil); return err }
	}
	forged := []byte(`{"webhook_trigger":"faceAuth","data":{"Authentication_id":"fa_forged","Token_id":"` + other.Token + `"}}`)
	plainExpiry := []byte(`{"webhook_trigger":"token_expired","token_id":"` + other.Token + `","expired_condition":"count"}`)
	checkErrors(t, []errCase{
		{"unknown to Argos", confirm(forged), faceauth.ErrWebhookUnconfirmed},
		{"unknown to Argos, applied", apply(forged), faceauth.ErrWebhookUnconfirmed},
		{"another submission, claimed as ours", confirm(claim(`"Submission_id":"sub_2",`)), faceauth.ErrWebhookMismatch},
		{"token_expired in clear", confirm(plainExpiry), faceauth.ErrWebhookUnverifiable},
		{"token_expired in clear, applied", apply(plainExpiry), faceauth.ErrWebhookUnverifiable},
	})
	if st, err := l.Status(other.Token); err != nil || st.State != "unused" {
		t.Fatalf("a refusal changed the token: %+v, %v", st, err)
	}
}
