package faceauth

import (
	"encoding/json"
	"fmt"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// Event is a parsed webhook: *FaceAuthEvent, *TokenExpiredEvent or *UnknownEvent (a type
// switch tells them apart). No signature is documented, so an event is not proof that Argos
// sent it: confirm a result with Client.Get before acting on it.
type Event interface {
	// EventName is "faceAuth", "token_expired" or "unknown".
	EventName() string
	isEvent()
}

// FaceAuthEvent is a faceAuth webhook, read from any of its three documented shapes. Absent,
// null and empty fields are "".
type FaceAuthEvent struct {
	AuthID       string            `json:"auth_id"`
	SubmissionID string            `json:"submission_id"`
	Status       string            `json:"status"` // "approved", "rejected" or as sent
	CreateTime   string            `json:"create_time"`
	UserID       string            `json:"user_id"`
	CF1          string            `json:"cf1"`
	CF2          string            `json:"cf2"`
	CF3          string            `json:"cf3"`
	TokenID      string            `json:"token_id"` // the token the link carried
	Reference    *WebhookReference `json:"reference"`
	Shape        string            `json:"shape"` // "current", "older" or "oldest"
}

// WebhookReference is the reference object of a current-shape faceAuth webhook.
type WebhookReference struct {
	UserID string `json:"userid"`
	Email  string `json:"email"`
	CF1    string `json:"cf1"`
	CF2    string `json:"cf2"`
	CF3    string `json:"cf3"`
}

// TokenExpiredEvent is a token_expired webhook.
type TokenExpiredEvent struct {
	TokenID           string `json:"token_id"`
	Condition         string `json:"condition"` // "count", "time" or as sent
	ExpiredAt         string `json:"expired_at"`
	ExpectedExpiredAt string `json:"expected_expired_at"`
	Service           string `json:"service"` // "faceAuth", "idCheck", as sent, or ""
}

// UnknownEvent is a webhook of another trigger (ID check's own, say): surfaced, not dropped.
type UnknownEvent struct {
	Trigger string          `json:"trigger"`
	Raw     json.RawMessage `json:"raw"` // the whole (decrypted) JSON
}

func (*FaceAuthEvent) EventName() string     { return "faceAuth" }
func (*TokenExpiredEvent) EventName() string { return "token_expired" }
func (*UnknownEvent) EventName() string      { return "unknown" }
func (*FaceAuthEvent) isEvent()              {}
func (*TokenExpiredEvent) isEvent()          {}
func (*UnknownEvent) isEvent()               {}

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
