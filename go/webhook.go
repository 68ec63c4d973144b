package faceauth

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// Event is a parsed webhook: *FaceAuthEvent, *TokenExpiredEvent or *UnknownEvent (a type
// switch tells them apart). No signature is documented, so an event is not proof that Argos
// sent it: confirm it with Client.ConfirmWebhook (or Ledger.ApplyConfirmed) before acting on it.
type Event interface {
	// EventName is "faceAuth", "token_expired" or "unknown".
	EventName() string
	isEvent()
}

// FaceAuthEvent is a faceAuth webhook, read from any of its three documented shapes. Absent,
// null and empty fields are "".
type FaceAuthEvent struct {
	AuthID       string            `json:"auth_id"`       // the result's id
	SubmissionID string            `json:"submission_id"` // the ID check submission compared with
	Status       string            `json:"status"`        // "approved", "rejected" or as sent
	CreateTime   string            `json:"create_time"`   // when the result was made
	UserID       string            `json:"user_id"`       // your id for the user, from the link
	CF1          string            `json:"cf1"`           // free extra fields, from the link
	CF2          string            `json:"cf2"`           // free extra fields, from the link
	CF3          string            `json:"cf3"`           // free extra fields, from the link
	TokenID      string            `json:"token_id"`      // the token the link carried
	Reference    *WebhookReference `json:"reference"`     // the current shape's reference object, or nil
	Shape        string            `json:"shape"`         // "current", "older" or "oldest"
	Encrypted    bool              `json:"encrypted"`     // the body was the encrypted form
}

// WebhookReference is the reference object of a current-shape faceAuth webhook.
type WebhookReference struct {
	UserID string `json:"userid"` // your id for the user
	Email  string `json:"email"`  // the user's email, as sent
	CF1    string `json:"cf1"`    // free extra field
	CF2    string `json:"cf2"`    // free extra field
	CF3    string `json:"cf3"`    // free extra field
}

// TokenExpiredEvent is a token_expired webhook.
type TokenExpiredEvent struct {
	TokenID           string `json:"token_id"`            // the token that expired
	Condition         string `json:"condition"`           // "count", "time" or as sent
	ExpiredAt         string `json:"expired_at"`          // when it expired, as sent
	ExpectedExpiredAt string `json:"expected_expired_at"` // when it was due to expire, as sent
	Service           string `json:"service"`             // "faceAuth", "idCheck", as sent, or ""
	Encrypted         bool   `json:"encrypted"`           // the body was the encrypted form
}

// UnknownEvent is a webhook of another trigger (ID check's own, say): surfaced, not dropped.
type UnknownEvent struct {
	Trigger   string          `json:"trigger"`   // the webhook's trigger, as sent
	Encrypted bool            `json:"encrypted"` // the body was the encrypted form
	Raw       json.RawMessage `json:"raw"`       // the whole (decrypted) JSON
}

// EventName is "faceAuth".
func (*FaceAuthEvent) EventName() string { return "faceAuth" }

// EventName is "token_expired".
func (*TokenExpiredEvent) EventName() string { return "token_expired" }

// EventName is "unknown".
func (*UnknownEvent) EventName() string { return "unknown" }

func (*FaceAuthEvent) isEvent()     {}
func (*TokenExpiredEvent) isEvent() {}
func (*UnknownEvent) isEvent()      {}

// ParseWebhook parses a webhook's request body. c decrypts the encrypted form
// {"data": "<ciphertext>"} (the ID check project's webhook encryption key); it may be nil.
//
// Errors: ErrWebhookMalformed (empty, not JSON, a documented field of the wrong type),
// ErrWebhookKeyRequired (encrypted and c is nil), ErrWebhookDecrypt (wrong key or scheme),
// ErrInvalidUTF8.
func ParseWebhook(body []byte, c *Cipher) (Event, error) {
	var h *capi.Cipher
	if c != nil {
		h = c.h
	}
	js, err := capi.WebhookParse(body, h)
	if err != nil {
		return nil, wrap(err)
	}
	var head struct {
		Event string `json:"event"`
	}
	if err := json.Unmarshal([]byte(js), &head); err != nil {
		return nil, fmt.Errorf("faceauth: decoding the library's JSON: %w", err)
	}
	switch head.Event {
	case "faceAuth":
		return decode[FaceAuthEvent](js)
	case "token_expired":
		return decode[TokenExpiredEvent](js)
	default:
		return decode[UnknownEvent](js)
	}
}

// ConfirmedEvent is a webhook confirmed by Client.ConfirmWebhook. Event is a *FaceAuthEvent
// carrying Argos's status, create time and submission id (not the body's), or the
// *TokenExpiredEvent of an encrypted body.
type ConfirmedEvent struct {
	Event Event // the confirmed event
	// ConfirmedBy is "argos" (fetched back from Argos) or "encrypted" (an encrypted
	// token_expired body, which no API call can confirm).
	ConfirmedBy string
	// Score is Argos's face similarity, when its record carries one.
	Score *float64
	// AuthRecord is Argos's row of the result (faceAuth only).
	Record *AuthRecord
}

// ConfirmWebhook parses a webhook body (decrypting it with c when encrypted; c may be nil)
// and confirms it with Argos before it is acted on: Argos signs no webhook, so a faceAuth
// result is fetched back by its authentication id (GET /faceauth) and Argos's answer counts.
// A token_expired event is confirmed only when its body was encrypted. ctx works as for every
// Client call: an ended ctx sends nothing; its cancellation or deadline aborts the request in
// flight, and the error matches ctx's error.
//
// Errors: ErrWebhookUnconfirmed (Argos has no such result), ErrWebhookMismatch (it belongs to
// another submission or user), ErrWebhookUnverifiable (a plain token_expired body, no
// authentication id, another trigger, an erased result); the parse errors of ParseWebhook; the
// REST errors (ErrConnection, ErrTimeout, ErrServer, …) when Argos cannot be asked: answer the
// sender so that it retries (HTTP 503).
func (c *Client) ConfirmWebhook(ctx context.Context, body []byte, key *Cipher) (*ConfirmedEvent, error) {
	k, err := start(ctx)
	if err != nil {
		return nil, err
	}
	defer k.end()
	var kh *capi.Cipher
	if key != nil {
		kh = key.h
	}
	js, err := c.h.ConfirmWebhook(k.opts, body, kh)
	if err != nil {
		return nil, k.finish(err)
	}
	var extra struct {
		Event       string          `json:"event"`
		ConfirmedBy string          `json:"confirmed_by"`
		Score       *float64        `json:"score"`
		Record      json.RawMessage `json:"record"`
	}
	if err := json.Unmarshal([]byte(js), &extra); err != nil {
		return nil, fmt.Errorf("faceauth: decoding the library's JSON: %w", err)
	}
	out := &ConfirmedEvent{ConfirmedBy: extra.ConfirmedBy, Score: extra.Score}
	switch extra.Event {
	case "faceAuth":
		out.Event, err = decode[FaceAuthEvent](js)
	case "token_expired":
		out.Event, err = decode[TokenExpiredEvent](js)
	default:
		out.Event, err = decode[UnknownEvent](js)
	}
	if err != nil {
		return nil, err
	}
	if len(extra.Record) > 0 && string(extra.Record) != "null" {
		if out.Record, err = decodeRecord(string(extra.Record)); err != nil {
			return nil, err
		}
	}
	return out, nil
}
