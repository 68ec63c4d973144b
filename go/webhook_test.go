package faceauth_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/faceauth/faceauth/go"
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
