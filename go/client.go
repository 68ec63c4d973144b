package faceauth

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"sync"
	"time"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// NoRetries, as ClientOptions.MaxRetries, turns retries off.
const NoRetries = -1

// ClientOptions configure NewClient; the zero value gives every default.
type ClientOptions struct {
	// BaseURL is the REST base URL: "" for https://rest-api.argosidentity.com/v3, or the
	// simulator's (faceauthtest.Simulator.URL).
	BaseURL string
	// Timeout bounds one attempt, from connecting to the last byte: 0 for 60 s.
	Timeout time.Duration
	// ConnectTimeout bounds connecting: 0 for 10 s (never more than Timeout).
	ConnectTimeout time.Duration
	// MaxRetries is how often a failed GET or DELETE is repeated (a POST only when it provably
	// never reached the server): 0 for 2, NoRetries (any negative number) for none.
	MaxRetries int
}

// Client is a client of the FaceAuth REST API for one project's API key. Safe for concurrent
// use (make one and share it: it keeps a pool of connections).
//
// Contexts: a call checks its context before it starts (an ended context sends nothing). A
// context with a deadline bounds the call: when the deadline comes before the client's own
// worst case (every attempt timing out, plus the backoff between them), the call runs on a
// one-off connection whose timeout is the time left, with no retries; the error then also
// matches context.DeadlineExceeded. Cancellation cannot interrupt a request in flight: the
// library's calls block in C until the API answers or the timeout passes, so a canceled
// context is seen before the call and, for List, before each row. Bound calls with deadlines
// (or ClientOptions.Timeout), not with cancel alone.
type Client struct {
	h    *capi.Client
	opts ClientOptions
	key  secret // for the one-off clients of calls with short deadlines; wiped by Close

	mu     sync.RWMutex
	closed bool
}

// secret holds key bytes; it prints as <redacted> whatever the verb.
type secret struct{ b []byte }

func (s secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, "<redacted>") }

// Submission is one selfie to compare with an approved ID check submission.
type Submission struct {
	SubmissionID  string // the approved ID check submission to compare with
	Image         []byte // JPEG or PNG
	UserID        string // optional fields: "" is absent
	CF1, CF2, CF3 string // free extra fields, stored with the result
}

// AuthResult is the API's answer to a submission; a rejected face is a result, not an error.
type AuthResult struct {
	AuthID           string            `json:"authentication_id"`          // the new result's id (Client.Get, Client.Image)
	Status           string            `json:"auth_status"`                // "approved" or "rejected"
	CreateTime       string            `json:"create_time"`                // when Argos made the result
	Scores           json.RawMessage   `json:"score,omitempty"`            // the similarity scores, as sent
	FailCodes        []json.RawMessage `json:"fail_code,omitempty"`        // why a face was rejected, as sent
	RejectedComments []json.RawMessage `json:"rejected_comment,omitempty"` // the reviewer's comments, as sent
}

// AuthRecord is one FaceAuth result (GET /faceauth), as the API sent it.
type AuthRecord struct {
	AuthID       string          `json:"auth_id"`            // the result's id
	Status       string          `json:"auth_status"`        // "approved" or "rejected"
	CreateTime   string          `json:"create_time"`        // when the result was made
	SubmitType   string          `json:"submit_type"`        // how the selfie came: the hosted page or the API
	SubmissionID string          `json:"kyc_submission_id"`  // the ID check submission compared with
	Deleted      bool            `json:"delete_check"`       // true once the image and personal data were erased (Client.Delete)
	Policy       json.RawMessage `json:"policy,omitempty"`   // the project's policy, as sent
	Result       json.RawMessage `json:"result,omitempty"`   // the scores and fail codes, as sent
	ProjectID    string          `json:"faceAuth_projectId"` // the FaceAuth project
	// Raw is the whole row, fields this struct does not name included.
	Raw json.RawMessage `json:"-"`
}

// ListQuery selects results: all of them, or those created from StartDate to EndDate
// inclusive (both "yyyy-mm-dd", UTC), newest first, fetched in pages of Count (0: the
// server's 2000).
type ListQuery struct {
	StartDate, EndDate string // "yyyy-mm-dd" (UTC), both or neither
	Count              int    // rows per page; 0: the server's default
}

// Image is a result's selfie.
type Image struct {
	Data        []byte // the image's bytes
	ContentType string // read from the bytes: "image/jpeg", "image/png", …
}

// NewClient makes a client for an API key. Nothing is sent until a call.
// Errors: ErrInvalidArgument (an empty or malformed key, a base URL not http(s)://).
func NewClient(apiKey string, opts ClientOptions) (*Client, error) {
	co, err := cOptions(opts, 0)
	if err != nil {
		return nil, err
	}
	h, cerr := capi.NewClient(apiKey, co)
	if cerr != nil {
		return nil, wrapC(cerr)
	}
	return &Client{h: h, opts: opts, key: secret{[]byte(apiKey)}}, nil
}

func millis(d time.Duration, what string) (uint32, error) {
	if d < 0 {
		return 0, &Error{Kind: kindOf(capi.StatusInvalidArgument), Code: capi.StatusInvalidArgument, Message: what + " must not be negative"}
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxUint32 {
		ms = math.MaxUint32
	}
	return uint32(ms), nil
}

// cOptions converts options; a non-zero limit caps the timeouts and turns retries off.
func cOptions(o ClientOptions, limit time.Duration) (capi.ClientOptions, error) {
	retries := o.MaxRetries
	if retries < 0 {
		retries = NoRetries
	}
	if retries > math.MaxInt32 {
		retries = math.MaxInt32
	}
	timeout, connect := o.Timeout, o.ConnectTimeout
	if limit > 0 {
		if timeout == 0 || timeout > limit {
			timeout = limit
		}
		if connect == 0 || connect > timeout {
			connect = timeout
		}
		retries = NoRetries
	}
	t, err := millis(timeout, "Timeout")
	if err != nil {
		return capi.ClientOptions{}, err
	}
	c, err := millis(connect, "ConnectTimeout")
	if err != nil {
		return capi.ClientOptions{}, err
	}
	return capi.ClientOptions{BaseURL: o.BaseURL, TimeoutMS: t, ConnectTimeoutMS: c, MaxRetries: int32(retries)}, nil
}

// worstCase is how long a call of the shared client may take: every attempt timing out, and
// the longest backoff (4 s) between them.
func (c *Client) worstCase() time.Duration {
	timeout := c.opts.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	retries := c.opts.MaxRetries
	if retries == 0 {
		retries = 2
	} else if retries < 0 {
		retries = 0
	}
	return time.Duration(retries+1)*timeout + time.Duration(retries)*4*time.Second
}

// handle picks the C client for a call under ctx: the shared one, or a one-off one bounded by
// the time left (release frees it). It fails when ctx has already ended.
func (c *Client) handle(ctx context.Context) (h *capi.Client, release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	c.mu.RLock()
	closed := c.closed
	c.mu.RUnlock()
	if closed {
		return nil, nil, ErrClosed
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		return c.h, func() {}, nil
	}
	left := time.Until(deadline)
	if left <= 0 {
		return nil, nil, context.DeadlineExceeded
	}
	if left >= c.worstCase() {
		return c.h, func() {}, nil
	}
	co, err := cOptions(c.opts, left)
	if err != nil {
		return nil, nil, err
	}
	c.mu.RLock()
	one, cerr := capi.NewClient(string(c.key.b), co)
	c.mu.RUnlock()
	if cerr != nil {
		return nil, nil, wrapC(cerr)
	}
	return one, one.Close, nil
}

// finish converts a call's error, tying it to ctx when ctx ended meanwhile.
func finish(ctx context.Context, err error) error {
	err = wrap(err)
	if e, ok := err.(*Error); ok && ctx.Err() != nil {
		e.ctxErr = ctx.Err()
	}
	return err
}

// Submit compares a selfie with an approved ID check submission (POST /faceauth). It is not
// repeated once the request may have reached the server: after ErrTimeout or ErrConnection the
// selfie may have been recorded (look for it with List before submitting again).
//
// Errors: ErrInvalidRequest (HTTP 400: the submission is unknown or not approved),
// ErrAuthentication (403), ErrIPNotAllowed (403), ErrPayloadTooLarge (413), ErrServer (5xx),
// ErrTimeout, ErrConnection, ErrDecode, ErrUnexpectedStatus, ErrInvalidArgument.
func (c *Client) Submit(ctx context.Context, s Submission) (*AuthResult, error) {
	h, release, err := c.handle(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	js, err := h.Submit(s.SubmissionID, s.Image, s.UserID, s.CF1, s.CF2, s.CF3)
	if err != nil {
		return nil, finish(ctx, err)
	}
	return decode[AuthResult](js)
}

// Get reads one result (GET /faceauth?authId=…).
//
// Errors: ErrNotFound (no such result: Argos's HTTP 400 NOT_FOUND, or a success answer
// without that row; it matches ErrInvalidRequest too), and the other REST errors.
func (c *Client) Get(ctx context.Context, authID string) (*AuthRecord, error) {
	h, release, err := c.handle(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	js, err := h.Get(authID)
	if err != nil {
		return nil, finish(ctx, err)
	}
	return decodeRecord(js)
}

func decodeRecord(js string) (*AuthRecord, error) {
	r, err := decode[AuthRecord](js)
	if err != nil {
		return nil, err
	}
	r.Raw = json.RawMessage(js)
	return r, nil
}

// Image fetches a result's selfie (GET /faceauth/image?authId=…).
// Errors: ErrNotFound (an unknown id or an erased image), ErrDecode, the REST errors.
func (c *Client) Image(ctx context.Context, authID string) (*Image, error) {
	h, release, err := c.handle(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	data, ct, err := h.Image(authID)
	if err != nil {
		return nil, finish(ctx, err)
	}
	return &Image{Data: data, ContentType: ct}, nil
}

// Delete erases a result's image and personal data (DELETE /faceauth?authId=…).
// Errors: ErrNotFound (an unknown or already erased id), ErrDecode, the REST errors.
func (c *Client) Delete(ctx context.Context, authID string) error {
	h, release, err := c.handle(ctx)
	if err != nil {
		return err
	}
	defer release()
	return finish(ctx, h.Delete(authID))
}

// List ranges over results, fetching each page when the one before is used up. A failure
// (a bad query, a page that does not load, an ended context) is yielded once as (nil, err),
// and the listing ends. The iterator belongs to the goroutine ranging over it; breaking out
// of the loop frees it. Each page request is bounded by the context's deadline as it was
// when the range began. The iterator cannot say whether rows may be missing (a full page
// without a next-page key); ListAll can.
func (c *Client) List(ctx context.Context, q ListQuery) iter.Seq2[*AuthRecord, error] {
	return func(yield func(*AuthRecord, error) bool) {
		l, err := c.open(ctx, q)
		if err != nil {
			yield(nil, err)
			return
		}
		defer l.close()
		for {
			r, ok, err := l.next(ctx)
			if err != nil {
				yield(nil, err)
				return
			}
			if !ok || !yield(r, nil) {
				return
			}
		}
	}
}

// ListAll collects every row of a listing, each once, with why rows may be missing ("" when
// none are): a full page came without a next-page key (ask for bigger pages or shorter date
// ranges), or the server's page keys looped and the listing stopped there. It always ends.
func (c *Client) ListAll(ctx context.Context, q ListQuery) (rows []*AuthRecord, incomplete string, err error) {
	l, err := c.open(ctx, q)
	if err != nil {
		return nil, "", err
	}
	defer l.close()
	for {
		r, ok, err := l.next(ctx)
		if err != nil {
			return rows, "", err
		}
		if !ok {
			return rows, l.h.Incomplete(), nil
		}
		rows = append(rows, r)
	}
}

type listing struct {
	h *capi.Records
}

func (c *Client) open(ctx context.Context, q ListQuery) (*listing, error) {
	if q.Count < 0 || q.Count > math.MaxUint32 {
		return nil, &Error{Kind: kindOf(capi.StatusInvalidArgument), Code: capi.StatusInvalidArgument, Message: "count is out of range"}
	}
	h, release, err := c.handle(ctx)
	if err != nil {
		return nil, err
	}
	defer release() // the listing holds its own reference to the connections
	l, err := h.List(q.StartDate, q.EndDate, uint32(q.Count))
	if err != nil {
		return nil, finish(ctx, err)
	}
	return &listing{h: l}, nil
}

func (l *listing) next(ctx context.Context) (*AuthRecord, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	js, ok, err := l.h.Next()
	if err != nil {
		return nil, false, finish(ctx, err)
	}
	if !ok {
		return nil, false, nil
	}
	r, err := decodeRecord(js)
	return r, err == nil, err
}

func (l *listing) close() { l.h.Close() }

// Close frees the client and wipes the copy of its key this package kept. It is idempotent
// and waits for calls in progress on the shared connections; later calls fail with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		clear(c.key.b)
		c.key.b = nil
	}
	c.h.Close()
	return nil
}
