package faceauth

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// Ledger is the token ledger: the tokens of the links you issued and what the webhooks said
// happened to them (unused, active, completed or expired), in memory or in an SQLite file that
// survives restarts and may be shared by processes. Safe for concurrent use.
type Ledger struct {
	h        *capi.Ledger
	location string // redacted once: the password is never kept in Go memory
}

// OpenLedger opens the ledger at location: ":memory:" for a new ledger in this process, the
// path of an SQLite file, created if missing (its directory must exist), or a PostgreSQL
// database, postgres://USER:PASSWORD@HOST:PORT/DB, shared by many hosts (tables created if
// missing; the password is never in an error).
//
// Nothing else is read as a location: an SQLite "file:" URI is refused, as everywhere.
//
// Errors: ErrInvalidArgument (empty, or a "file:" URI), ErrLedgerSchema (a file that is not a faceauth ledger,
// left untouched, or a newer one), ErrLedgerStorage (also a PostgreSQL server that cannot be
// reached), ErrLedgerUnsupported (another URL scheme, such as redis://…).
func OpenLedger(location string) (*Ledger, error) {
	h, err := capi.LedgerOpen(location)
	if err != nil {
		return nil, wrapC(err)
	}
	return &Ledger{h: h, location: redacted(location)}, nil
}

// TokenRule is the project's token expiration: with Window 0 a token expires at its first use
// ("count"); otherwise it may be used for Window after its first use ("time:SECONDS", whole
// seconds, rounded up).
type TokenRule struct {
	Window time.Duration // 0: "count"; else how long a token stays usable after its first use
}

// CountRule is the rule "count": a token expires at its first use.
func CountRule() TokenRule { return TokenRule{} }

// TimeRule is the rule "time": a token expires window after its first use.
func TimeRule(window time.Duration) TokenRule { return TokenRule{Window: window} }

// String is the rule as the library and the CLI write it: "count" or "time:SECONDS".
func (r TokenRule) String() string {
	if r.Window == 0 {
		return "count"
	}
	secs := int64(math.Ceil(r.Window.Seconds()))
	if r.Window < 0 {
		secs = int64(r.Window / time.Second) // refused by the library as malformed
	}
	return "time:" + strconv.FormatInt(secs, 10)
}

// IssuedLink is an issued link and its token.
type IssuedLink struct {
	URL   string `json:"url"`   // the link to send to the user
	Token string `json:"token"` // the token id the link carries
	Rule  string `json:"rule"`  // the rule, "count" or "time:SECONDS"
}

// IssueURL mints a token, records it (for p.SID and p.UserID, under rule), and only then
// returns the link b builds for p with that token: if recording fails, no link leaves. p.Token
// must be empty.
//
// Errors: ErrInvalidArgument (a bad rule or field, p.Token set), ErrLedgerStorage,
// ErrRandomSource, ErrClosed.
func (l *Ledger) IssueURL(b *URLBuilder, rule TokenRule, p AuthParams) (*IssuedLink, error) {
	return l.IssueURLWithMetadata(b, rule, p, nil)
}

// IssueURLWithMetadata is IssueURL, with string metadata kept with the token ({"order": "A-17"}).
func (l *Ledger) IssueURLWithMetadata(b *URLBuilder, rule TokenRule, p AuthParams, metadata map[string]string) (*IssuedLink, error) {
	if p.Token != "" {
		return nil, &Error{Kind: kindOf(capi.StatusInvalidArgument), Code: capi.StatusInvalidArgument,
			Message: "the token is minted by IssueURL: leave AuthParams.Token empty"}
	}
	meta := ""
	if metadata != nil {
		js, err := json.Marshal(metadata)
		if err != nil {
			return nil, err
		}
		meta = string(js)
	}
	js, err := l.h.IssueURL(b.h, rule.String(), &capi.Params{SID: p.SID, UserID: p.UserID, CF1: p.CF1, CF2: p.CF2, CF3: p.CF3}, meta)
	if err != nil {
		return nil, wrap(err)
	}
	return decode[IssuedLink](js)
}

// TokenStatus is a token's state now and its record (the JSON of `faceauth ledger status`).
type TokenStatus struct {
	Token string `json:"token"` // the token id
	// State is "unused", "active", "completed" or "expired".
	State          string            `json:"state"`
	Until          string            `json:"until"`           // active (time rule): usable until
	Reason         string            `json:"reason"`          // expired: why
	Condition      string            `json:"condition"`       // expired by a webhook: its condition
	ExpiredAt      string            `json:"expired_at"`      // expired: when
	Result         *LinkResult       `json:"result"`          // completed: the result
	SubmissionID   string            `json:"submission_id"`   // the ID check submission the link was issued for
	Rule           string            `json:"rule"`            // "count" or "time:SECONDS"
	UserID         string            `json:"user_id"`         // the user the link was issued for, or ""
	Metadata       map[string]string `json:"metadata"`        // the metadata given at issue
	IssuedAt       string            `json:"issued_at"`       // when the link was issued (RFC 3339)
	FirstUsedAt    string            `json:"first_used_at"`   // when it was first opened, or ""
	Results        []LinkResult      `json:"results"`         // every result recorded for the token, oldest first
	ReportedExpiry json.RawMessage   `json:"reported_expiry"` // a token_expired webhook's report, as JSON, or null
}

// LinkResult is a FaceAuth result recorded for a token.
type LinkResult struct {
	AuthID     string `json:"auth_id"`     // the result's id
	Status     string `json:"status"`      // "approved" or "rejected"
	CreateTime string `json:"create_time"` // when the result was made
	// Confirmed is true when the result was confirmed with Argos (ApplyConfirmed: status and
	// time are Argos's), false when it was applied as posted (ApplyWebhook).
	Confirmed bool `json:"confirmed"`
}

// Status is the token's status now. Errors: ErrTokenUnknown, ErrInvalidToken, ErrLedgerStorage.
func (l *Ledger) Status(tokenID string) (*TokenStatus, error) {
	js, err := l.h.Status(tokenID)
	if err != nil {
		return nil, wrap(err)
	}
	return decode[TokenStatus](js)
}

// MarkUsed records that the token's link was opened now and returns its status after. For a
// count token this spends it: check Status first to decide whether to let a user through.
func (l *Ledger) MarkUsed(tokenID string) (*TokenStatus, error) {
	js, err := l.h.MarkUsed(tokenID)
	if err != nil {
		return nil, wrap(err)
	}
	return decode[TokenStatus](js)
}

// WebhookOutcome is what ApplyWebhook did: Outcome "recorded" (Status is the token's status
// after), "unknown_token" (Token is not in this ledger), "no_token" (Event carries no token),
// "refused" (ApplyConfirmed: Token was issued for another submission or user; Reason) or
// "ignored" (Reason, Trigger).
type WebhookOutcome struct {
	Outcome string          `json:"outcome"` // see WebhookOutcome
	Status  *TokenStatus    `json:"status"`  // the token's status after, when recorded
	Token   string          `json:"token"`   // the token the webhook named
	Event   json.RawMessage `json:"event"`   // the parsed event, as JSON
	Reason  string          `json:"reason"`  // why it was refused or ignored
	Trigger string          `json:"trigger"` // the trigger of an ignored webhook
}

// ApplyWebhook parses a webhook body (decrypting it with c when encrypted; c may be nil) and
// applies it as posted: a faceAuth event with a token completes the token; a token_expired
// event from FaceAuth expires it. Applying twice, or in any order, gives the same record.
// Nothing proves a body came from Argos: prefer ApplyConfirmed.
//
// Errors: ErrWebhookMalformed, ErrWebhookKeyRequired, ErrWebhookDecrypt, ErrLedgerStorage.
func (l *Ledger) ApplyWebhook(body []byte, c *Cipher) (*WebhookOutcome, error) {
	var h *capi.Cipher
	if c != nil {
		h = c.h
	}
	js, err := l.h.ApplyWebhook(body, h)
	if err != nil {
		return nil, wrap(err)
	}
	return decode[WebhookOutcome](js)
}

// ApplyConfirmed parses a webhook body, confirms it with Argos through client (as
// Client.ConfirmWebhook) and records what Argos returned, the result marked Confirmed. A result
// goes only to a token issued for the submission (and user, when both name one) of Argos's
// record; otherwise the outcome is "refused" and nothing changes. ctx works as for every Client
// call: an ended ctx sends nothing; its cancellation or deadline aborts the confirmation in
// flight (the ledger is then unchanged), and the error matches ctx's error.
//
// Errors: those of Client.ConfirmWebhook (the ledger is unchanged after any of them),
// ErrLedgerStorage.
func (l *Ledger) ApplyConfirmed(ctx context.Context, client *Client, body []byte, c *Cipher) (*WebhookOutcome, error) {
	k, err := start(ctx)
	if err != nil {
		return nil, err
	}
	defer k.end()
	var kh *capi.Cipher
	if c != nil {
		kh = c.h
	}
	js, err := l.h.ApplyConfirmed(client.h, k.opts, body, kh)
	if err != nil {
		return nil, k.finish(err)
	}
	return decode[WebhookOutcome](js)
}

// ListFilter selects tokens for List; zero fields select everything.
type ListFilter struct {
	State        string    // "unused", "active", "completed" or "expired": the state now
	SubmissionID string    // issued for this submission
	Since, Until time.Time // issued at or after Since, before Until
	Limit        int       // at most this many (0: no limit)
}

// List returns tokens with their status now, in order of issue.
// Errors: ErrInvalidArgument (an unknown state, a negative limit), ErrLedgerStorage.
func (l *Ledger) List(f ListFilter) ([]*TokenStatus, error) {
	m := map[string]any{}
	if f.State != "" {
		m["state"] = f.State
	}
	if f.SubmissionID != "" {
		m["submission"] = f.SubmissionID
	}
	if !f.Since.IsZero() {
		m["since"] = f.Since.UTC().Format(time.RFC3339Nano)
	}
	if !f.Until.IsZero() {
		m["until"] = f.Until.UTC().Format(time.RFC3339Nano)
	}
	if f.Limit != 0 {
		m["limit"] = f.Limit
	}
	filter, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	js, err := l.h.List(string(filter))
	if err != nil {
		return nil, wrap(err)
	}
	out, err := decode[[]*TokenStatus](js)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// Purge deletes every token issued more than olderThan ago, whatever its state (0: every token
// issued before now), and returns how many. Errors: ErrInvalidArgument (negative),
// ErrLedgerStorage.
func (l *Ledger) Purge(olderThan time.Duration) (int, error) {
	secs := int64(olderThan / time.Second)
	if olderThan < 0 && secs == 0 {
		secs = -1 // a negative age under a second must not become 0 (every token)
	}
	n, err := l.h.Purge(secs)
	return int(n), wrap(err)
}

// Close closes the ledger (and its file). Idempotent; later calls fail with ErrClosed.
func (l *Ledger) Close() error {
	l.h.Close()
	return nil
}
