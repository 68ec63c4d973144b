package faceauth

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"math"
	"strings"
	"time"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// NoRetries, as ClientOptions.MaxRetries, turns retries off.
const NoRetries = -1

// ClientOptions configure NewClient; the zero value gives every default. Printing one (%v,
// %+v, %#v) shows a proxy URL's password as <redacted>.
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
	// Proxy is an HTTP proxy, "http://[user:password@]host:port", used whatever the
	// environment says. "" uses the proxy the environment names (HTTPS_PROXY, HTTP_PROXY or
	// ALL_PROXY, upper or lower case, unless NO_PROXY names the API's host), as curl does.
	// Requests go through a CONNECT tunnel: the proxy never sees the API key.
	Proxy string
	// NoProxy lists the hosts reached without Proxy, as NO_PROXY does: comma-separated names,
	// each matching itself and its subdomains; "*" for every host.
	NoProxy string
	// CAFile is a PEM bundle whose certificates are trusted instead of the built-in roots, as a
	// TLS-inspecting gateway needs; NewClient reads it (ErrInvalidArgument when it cannot).
	CAFile string
	// PlatformRoots trusts the operating system's certificate store instead of the built-in
	// roots (not together with CAFile).
	PlatformRoots bool
	// UserAgentSuffix is sent after the user agent's faceauth-go/<version>, such as
	// "myapp/1.2" (printable ASCII, at most 200 characters).
	UserAgentSuffix string
	// OnAttempt, when set, is called once per HTTP attempt of every call, on the goroutine
	// making the call, after the attempt ends (the call waits for it: keep it quick). Calls
	// on several goroutines call it at once. A panic in it is recovered and printed to
	// stderr; the call goes on. It must not call runtime.Goexit (t.FailNow, t.Fatal): that
	// would unwind through the library's C frames.
	OnAttempt func(Attempt)
}

// Attempt is one HTTP attempt of a call, as ClientOptions.OnAttempt sees it. It holds no key,
// image, query value or personal data.
type Attempt struct {
	Method    string        // "GET", "POST" or "DELETE"
	Route     string        // the route template, "/FaceAuth" or "/FaceAuth/Image": never a query value
	Status    int           // the HTTP status of the answer; 0 when none arrived (see ErrorKind)
	ErrorKind string        // when no answer arrived, the failure's kind ("api_timeout", "api_connection", "api_tls_untrusted", "cancelled"); else ""
	Attempt   int           // 1 for a call's first attempt, 2 for its first retry, …
	Duration  time.Duration // from sending to the end of the answer
	RequestID string        // Argos's request id header, "" when the answer had none
}

// Client is a client of the FaceAuth REST API for one project's API key. Safe for concurrent
// use (make one and share it: it keeps a pool of connections). It keeps no copy of the key in
// Go memory: the library holds it, and wipes it on Close.
//
// Contexts: every call takes one. An ended context sends nothing. While the call runs, the
// context's cancellation or deadline aborts it at once, even in the middle of a request (the
// library shuts the connection down, skips any backoff wait and retry), on the shared client
// and its connection pool. The context's deadline also bounds the whole call, retries and
// backoff included: the library cuts each attempt's timeout to the time left and starts no
// retry that could not end in time.
//
// The error of a call whose context ended matches the context's error with errors.Is, and a
// sentinel: a cancelled context gives ErrCancelled and context.Canceled; a deadline gives
// ErrTimeout and context.DeadlineExceeded (also when the library stopped the call just before
// the deadline because no further attempt could end in time). A List or ListAll is one call:
// its context bounds and cancels every page.
type Client struct {
	h    *capi.Client
	opts ClientOptions // what String shows: the proxy's credentials already redacted, no hook
}

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
// Errors: ErrInvalidArgument (an empty or malformed key, a base URL not http(s)://, a proxy URL
// that is not http://, a CA file that cannot be read or holds no certificate, CAFile with
// PlatformRoots, a user agent suffix that is not printable ASCII).
func NewClient(apiKey string, opts ClientOptions) (*Client, error) {
	co, err := cOptions(opts)
	if err != nil {
		return nil, err
	}
	h, cerr := capi.NewClient(apiKey, co)
	if cerr != nil {
		return nil, wrapC(cerr)
	}
	shown := opts
	shown.Proxy, shown.OnAttempt = redacted(opts.Proxy), nil
	return &Client{h: h, opts: shown}, nil
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

// cOptions converts options.
func cOptions(o ClientOptions) (capi.ClientOptions, error) {
	retries := o.MaxRetries
	if retries < 0 {
		retries = NoRetries
	}
	if retries > math.MaxInt32 {
		retries = math.MaxInt32
	}
	t, err := millis(o.Timeout, "Timeout")
	if err != nil {
		return capi.ClientOptions{}, err
	}
	c, err := millis(o.ConnectTimeout, "ConnectTimeout")
	if err != nil {
		return capi.ClientOptions{}, err
	}
	co := capi.ClientOptions{
		BaseURL: o.BaseURL, TimeoutMS: t, ConnectTimeoutMS: c, MaxRetries: int32(retries),
		Proxy: o.Proxy, NoProxy: o.NoProxy, CAFile: o.CAFile, PlatformRoots: o.PlatformRoots,
		// Requests name this package: faceauth-go/<version>, then the caller's suffix.
		UserAgentSuffix: strings.TrimSpace(o.UserAgentSuffix), Language: "go",
	}
	if hook := o.OnAttempt; hook != nil {
		co.OnAttempt = func(a capi.Attempt) {
			kind := ""
			if a.Error != 0 {
				kind = kindOf(a.Error)
			}
			hook(Attempt{Method: a.Method, Route: a.Route, Status: a.HTTPStatus, ErrorKind: kind,
				Attempt: a.Number, Duration: a.Duration, RequestID: a.RequestID})
		}
	}
	return co, nil
}

// maxBackoff is the library's longest wait between attempts: a deadline closer than this when
// the library answers api_timeout is what stopped the call (it starts no retry that the
// deadline would cut).
const maxBackoff = 4 * time.Second

// call is one call's tie to its context: the library's call options (a cancel handle that the
// context's end triggers, and the context's deadline), or none for a context that can neither
// end nor expire (context.Background).
type call struct {
	ctx      context.Context
	opts     *capi.Call // nil: no options
	stop     func() bool
	deadline time.Time
}

// start ties a call to ctx. It fails when ctx has already ended: nothing is sent.
func start(ctx context.Context) (*call, error) {
	k := &call{ctx: ctx}
	if err := ctx.Err(); err != nil {
		return nil, k.finish(nil)
	}
	deadline, hasDeadline := ctx.Deadline()
	done := ctx.Done()
	if done == nil && !hasDeadline {
		return k, nil
	}
	var ms uint64
	if hasDeadline {
		k.deadline = deadline
		left := time.Until(deadline)
		if left <= 0 {
			return nil, k.finish(nil)
		}
		ms = uint64((left + time.Millisecond - 1) / time.Millisecond)
	}
	opts, cerr := capi.NewCall(done != nil, ms)
	if cerr != nil {
		return nil, wrapC(cerr)
	}
	k.opts = opts
	if done != nil {
		k.stop = context.AfterFunc(ctx, opts.Cancel)
	}
	return k, nil
}

// end unties the call from its context and frees its options (waiting for a cancel that the
// context's end is triggering right now).
func (k *call) end() {
	if k == nil {
		return
	}
	if k.stop != nil {
		k.stop()
	}
	k.opts.Close()
}

// finish converts a call's error (nil: the context ended before the call), tying it to the
// context when that ended or its deadline stopped the call: a cancelled context is
// ErrCancelled and context.Canceled; a deadline is ErrTimeout and context.DeadlineExceeded.
func (k *call) finish(err error) error {
	ctxErr := k.ctx.Err()
	if err == nil {
		code := capi.StatusCancelled
		msg := "the context was cancelled before the request"
		if errors.Is(ctxErr, context.DeadlineExceeded) || ctxErr == nil {
			code, msg, ctxErr = capi.StatusAPITimeout, "the context's deadline passed before the request", context.DeadlineExceeded
		}
		return &Error{Kind: kindOf(code), Code: code, Message: msg, ctxErr: ctxErr}
	}
	err = wrap(err)
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	switch {
	case ctxErr == nil:
		if e.Code == capi.StatusAPITimeout && !k.deadline.IsZero() && time.Until(k.deadline) < maxBackoff {
			e.ctxErr = context.DeadlineExceeded
		}
	case errors.Is(ctxErr, context.DeadlineExceeded):
		e.ctxErr = ctxErr
		if e.Code == capi.StatusCancelled { // the cancel handle the deadline triggered
			e.Code, e.Kind = capi.StatusAPITimeout, kindOf(capi.StatusAPITimeout)
			e.Message = "the context's deadline passed: " + e.Message
		}
	default:
		e.ctxErr = ctxErr
	}
	return e
}

// Submit compares a selfie with an approved ID check submission (POST /faceauth). It is not
// repeated once the request may have reached the server: after ErrTimeout or ErrConnection the
// selfie may have been recorded (look for it with List before submitting again).
//
// Errors: ErrInvalidRequest (HTTP 400: the submission is unknown or not approved),
// ErrAuthentication (403), ErrIPNotAllowed (403), ErrPayloadTooLarge (413), ErrServer (5xx),
// ErrTimeout, ErrConnection, ErrDecode, ErrUnexpectedStatus, ErrInvalidArgument.
func (c *Client) Submit(ctx context.Context, s Submission) (*AuthResult, error) {
	k, err := start(ctx)
	if err != nil {
		return nil, err
	}
	defer k.end()
	js, err := c.h.Submit(k.opts, s.SubmissionID, s.Image, s.UserID, s.CF1, s.CF2, s.CF3)
	if err != nil {
		return nil, k.finish(err)
	}
	return decode[AuthResult](js)
}

// Get reads one result (GET /faceauth?authId=…).
//
// Errors: ErrNotFound (no such result: Argos's HTTP 400 NOT_FOUND, or a success answer
// without that row; it matches ErrInvalidRequest too), and the other REST errors.
func (c *Client) Get(ctx context.Context, authID string) (*AuthRecord, error) {
	k, err := start(ctx)
	if err != nil {
		return nil, err
	}
	defer k.end()
	js, err := c.h.Get(k.opts, authID)
	if err != nil {
		return nil, k.finish(err)
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
	k, err := start(ctx)
	if err != nil {
		return nil, err
	}
	defer k.end()
	data, ct, err := c.h.Image(k.opts, authID)
	if err != nil {
		return nil, k.finish(err)
	}
	return &Image{Data: data, ContentType: ct}, nil
}

// Delete erases a result's image and personal data (DELETE /faceauth?authId=…).
// Errors: ErrNotFound (an unknown or already erased id), ErrDecode, the REST errors.
func (c *Client) Delete(ctx context.Context, authID string) error {
	k, err := start(ctx)
	if err != nil {
		return err
	}
	defer k.end()
	if err := c.h.Delete(k.opts, authID); err != nil {
		return k.finish(err)
	}
	return nil
}

// List ranges over results, fetching each page when the one before is used up. A failure
// (a bad query, a page that does not load, an ended context) is yielded once as (nil, err),
// and the listing ends. The iterator belongs to the goroutine ranging over it; breaking out
// of the loop frees it. The context bounds the whole listing: its deadline counts for every
// page, and its cancellation aborts the page being fetched. The iterator cannot say whether rows may be missing (a full page
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
			r, ok, err := l.next()
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
		r, ok, err := l.next()
		if err != nil {
			return rows, "", err
		}
		if !ok {
			return rows, l.h.Incomplete(), nil
		}
		rows = append(rows, r)
	}
}

// listing is a listing in progress and the call (context tie) that bounds all its pages.
type listing struct {
	h    *capi.Records
	call *call
}

func (c *Client) open(ctx context.Context, q ListQuery) (*listing, error) {
	if q.Count < 0 || q.Count > math.MaxUint32 {
		return nil, &Error{Kind: kindOf(capi.StatusInvalidArgument), Code: capi.StatusInvalidArgument, Message: "count is out of range"}
	}
	k, err := start(ctx)
	if err != nil {
		return nil, err
	}
	l, err := c.h.List(k.opts, q.StartDate, q.EndDate, uint32(q.Count))
	if err != nil {
		k.end()
		return nil, k.finish(err)
	}
	return &listing{h: l, call: k}, nil
}

func (l *listing) next() (*AuthRecord, bool, error) {
	if l.call.ctx.Err() != nil {
		return nil, false, l.call.finish(nil)
	}
	js, ok, err := l.h.Next()
	if err != nil {
		return nil, false, l.call.finish(err)
	}
	if !ok {
		return nil, false, nil
	}
	r, err := decodeRecord(js)
	return r, err == nil, err
}

func (l *listing) close() {
	l.h.Close()
	l.call.end()
}

// Close frees the client; the library wipes its copy of the key. It is idempotent and waits
// for calls in progress; later calls fail with ErrClosed.
func (c *Client) Close() error {
	c.h.Close()
	return nil
}
