package capi

/*
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "faceauth_go.h"

// The Go side of the attempt callback (capi_attempt.go's export); user_data carries the value
// of a cgo.Handle.
extern void faceauthGoAttempt(faceauth_attempt *attempt, uintptr_t user_data);

static void fa_attempt(const faceauth_attempt *attempt, void *user_data) {
  faceauthGoAttempt((faceauth_attempt *)attempt, (uintptr_t)user_data);
}

// Sets the callback with the handle as user data: the integer becomes a pointer on the C side
// only, so Go never holds a pointer that is not one.
static enum faceauth_status fa_set_on_attempt(faceauth_client_options *opts, uintptr_t handle,
                                              faceauth_error **err) {
  return faceauth_client_options_set_on_attempt(opts, fa_attempt, (void *)handle, err);
}

// The call options of one call and, when it can be cancelled, its cancel handle, made in one
// cgo call (every cancellable call makes them). On failure nothing is left to free.
static enum faceauth_status fa_call_new(bool cancellable, uint64_t deadline_ms,
                                        faceauth_cancel **cancel, faceauth_call_options **opts,
                                        faceauth_error **err) {
  faceauth_cancel *c = NULL;
  faceauth_call_options *o = NULL;
  enum faceauth_status s = faceauth_call_options_new(&o, err);
  if (s == FACEAUTH_STATUS_OK && cancellable) s = faceauth_cancel_new(&c, err);
  if (s == FACEAUTH_STATUS_OK && c != NULL) s = faceauth_call_options_set_cancel(o, c, err);
  if (s == FACEAUTH_STATUS_OK && deadline_ms != 0) s = faceauth_call_options_set_deadline_ms(o, deadline_ms, err);
  if (s == FACEAUTH_STATUS_OK) {
    *cancel = c;
    *opts = o;
  } else {
    faceauth_cancel_free(c);
    faceauth_call_options_free(o);
  }
  return s;
}
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"time"
	"unsafe"
)

// ClientOptions are what NewClient sets on a faceauth_client_options: 0 and "" keep a default;
// a negative MaxRetries is none.
type ClientOptions struct {
	BaseURL          string
	TimeoutMS        uint32
	ConnectTimeoutMS uint32
	MaxRetries       int32
	Proxy            string // faceauth_client_options_set_proxy (may hold a password)
	NoProxy          string // faceauth_client_options_set_no_proxy
	CAFile           string // faceauth_client_options_set_ca_file
	PlatformRoots    bool   // faceauth_client_options_set_platform_roots
	UserAgentSuffix  string // faceauth_client_options_set_user_agent_suffix
	Language         string // faceauth_client_options_set_user_agent_language ("": the library's "c")
	// OnAttempt is called once per HTTP attempt, on the goroutine making the call; a panic in
	// it is recovered (and printed), so it never unwinds into the library.
	OnAttempt func(Attempt)
}

// Attempt is one HTTP attempt as the attempt callback reads it (faceauth_attempt_*).
type Attempt struct {
	Method     string
	Route      string
	HTTPStatus int // 0 when no answer arrived
	Error      int // the failure's status code when no answer arrived, else 0
	Number     int
	Duration   time.Duration
	RequestID  string // "" when the answer had none
}

// Client owns a faceauth_client (thread-safe on the C side) and, when it has an attempt hook,
// the cgo.Handle its callback's user data names, deleted after the client is freed.
type Client struct{ h *handle[*C.faceauth_client] }

// NewClient is faceauth_client_new. The Go-side C copies of the key and of the proxy URL
// (which may hold a password) are wiped after the call.
func NewClient(apiKey string, o ClientOptions) (*Client, *Error) {
	k, err := cstr(apiKey, "api key")
	if err != nil {
		return nil, err
	}
	defer wipe(k)
	var opts *C.faceauth_client_options
	var cerr *C.faceauth_error
	if st := C.faceauth_client_options_new(&opts, &cerr); st != C.FACEAUTH_STATUS_OK {
		return nil, takeError(st, cerr)
	}
	defer C.faceauth_client_options_free(opts)
	st := C.enum_faceauth_status(C.FACEAUTH_STATUS_OK)
	// Each string option: copied into a NUL-terminated buffer for its setter, wiped after.
	setString := func(value, what string, set func(*C.char) C.enum_faceauth_status) *Error {
		if value == "" || st != C.FACEAUTH_STATUS_OK {
			return nil
		}
		b, err := cstr(value, what)
		if err != nil {
			return err
		}
		st = set(ptr(b))
		wipe(b)
		return nil
	}
	for _, s := range []struct {
		value, what string
		set         func(*C.char) C.enum_faceauth_status
	}{
		{o.BaseURL, "base url", func(p *C.char) C.enum_faceauth_status {
			return C.faceauth_client_options_set_base_url(opts, p, &cerr)
		}},
		{o.Proxy, "proxy", func(p *C.char) C.enum_faceauth_status {
			return C.faceauth_client_options_set_proxy(opts, p, &cerr)
		}},
		{o.NoProxy, "no proxy", func(p *C.char) C.enum_faceauth_status {
			return C.faceauth_client_options_set_no_proxy(opts, p, &cerr)
		}},
		{o.CAFile, "ca file", func(p *C.char) C.enum_faceauth_status {
			return C.faceauth_client_options_set_ca_file(opts, p, &cerr)
		}},
		{o.UserAgentSuffix, "user agent suffix", func(p *C.char) C.enum_faceauth_status {
			return C.faceauth_client_options_set_user_agent_suffix(opts, p, &cerr)
		}},
		{o.Language, "user agent language", func(p *C.char) C.enum_faceauth_status {
			return C.faceauth_client_options_set_user_agent_language(opts, p, &cerr)
		}},
	} {
		if err := setString(s.value, s.what, s.set); err != nil {
			return nil, err
		}
	}
	if st == C.FACEAUTH_STATUS_OK && o.TimeoutMS != 0 {
		st = C.faceauth_client_options_set_timeout_ms(opts, C.uint32_t(o.TimeoutMS), &cerr)
	}
	if st == C.FACEAUTH_STATUS_OK && o.ConnectTimeoutMS != 0 {
		st = C.faceauth_client_options_set_connect_timeout_ms(opts, C.uint32_t(o.ConnectTimeoutMS), &cerr)
	}
	if st == C.FACEAUTH_STATUS_OK && o.MaxRetries != 0 {
		retries := C.uint32_t(0)
		if o.MaxRetries > 0 {
			retries = C.uint32_t(o.MaxRetries)
		}
		st = C.faceauth_client_options_set_max_retries(opts, retries, &cerr)
	}
	if st == C.FACEAUTH_STATUS_OK && o.PlatformRoots {
		st = C.faceauth_client_options_set_platform_roots(opts, true, &cerr)
	}
	var hook cgo.Handle
	if st == C.FACEAUTH_STATUS_OK && o.OnAttempt != nil {
		hook = cgo.NewHandle(o.OnAttempt)
		st = C.fa_set_on_attempt(opts, C.uintptr_t(hook), &cerr)
	}
	var p *C.faceauth_client
	if st == C.FACEAUTH_STATUS_OK {
		st = C.faceauth_client_new(ptr(k), opts, &p, &cerr)
	}
	if st != C.FACEAUTH_STATUS_OK {
		if hook != 0 {
			hook.Delete()
		}
		return nil, takeError(st, cerr)
	}
	return &Client{h: own(p, func(p *C.faceauth_client) {
		C.faceauth_client_free(p)
		if hook != 0 {
			hook.Delete() // the client, which could call the hook, is gone
		}
	})}, nil
}

// Close frees the client once; later calls do nothing. It waits for calls in progress.
func (c *Client) Close() { c.h.Close() }

// ---- one call's options ----

// Call is the options of one call (faceauth_call_options): a deadline and, when it can be
// cancelled, a cancel handle that Cancel triggers from any goroutine. A listing keeps its
// Call until the listing ends.
type Call struct {
	cancel *handle[*C.faceauth_cancel] // nil when the call cannot be cancelled
	opts   *handle[*C.faceauth_call_options]
}

// NewCall is faceauth_call_options_new with a new cancel handle (when cancellable) and a
// deadline (0: none), counted from the start of each call given the options.
func NewCall(cancellable bool, deadlineMS uint64) (*Call, *Error) {
	var cancel *C.faceauth_cancel
	var opts *C.faceauth_call_options
	var cerr *C.faceauth_error
	if st := C.fa_call_new(C.bool(cancellable), C.uint64_t(deadlineMS), &cancel, &opts, &cerr); st != C.FACEAUTH_STATUS_OK {
		return nil, takeError(st, cerr)
	}
	c := &Call{opts: own(opts, func(p *C.faceauth_call_options) { C.faceauth_call_options_free(p) })}
	if cancel != nil {
		c.cancel = own(cancel, func(p *C.faceauth_cancel) { C.faceauth_cancel_free(p) })
	}
	return c, nil
}

// Cancel is faceauth_cancel_trigger: the call in flight with these options is aborted (its
// connection shut down) and fails with FACEAUTH_STATUS_CANCELLED. It returns at once; after
// Close, or without a cancel handle, it does nothing.
func (c *Call) Cancel() {
	p, err := c.cancel.acquire()
	if err != nil {
		return
	}
	defer c.cancel.release()
	C.faceauth_cancel_trigger(p)
}

// Close frees the options and the cancel handle once, waiting for a Cancel in progress.
func (c *Call) Close() {
	if c != nil {
		c.opts.Close()
		c.cancel.Close()
	}
}

// borrow acquires the options for one C call: NULL for a nil c (no options), and the release
// to defer.
func (c *Call) borrow() (*C.faceauth_call_options, func(), error) {
	if c == nil {
		return nil, func() {}, nil
	}
	p, err := c.opts.acquire()
	if err != nil {
		return nil, nil, err
	}
	return p, c.opts.release, nil
}

// ---- the calls ----

// begin acquires the client and the call options for one C call; end releases both.
func (c *Client) begin(call *Call) (*C.faceauth_client, *C.faceauth_call_options, func(), error) {
	cp, err := c.h.acquire()
	if err != nil {
		return nil, nil, nil, err
	}
	op, release, err := call.borrow()
	if err != nil {
		c.h.release()
		return nil, nil, nil, err
	}
	return cp, op, func() { release(); c.h.release() }, nil
}

// Submit is faceauth_client_submit_with; "" optional fields are absent.
func (c *Client) Submit(call *Call, submissionID string, image []byte, userID, cf1, cf2, cf3 string) (string, error) {
	sid, err := cstr(submissionID, "submission id")
	if err != nil {
		return "", err
	}
	opt := func(s, what string) ([]byte, *Error) {
		if s == "" {
			return nil, nil
		}
		return cstr(s, what)
	}
	var u, c1, c2, c3 []byte
	if u, err = opt(userID, "user id"); err != nil {
		return "", err
	}
	if c1, err = opt(cf1, "cf1"); err != nil {
		return "", err
	}
	if c2, err = opt(cf2, "cf2"); err != nil {
		return "", err
	}
	if c3, err = opt(cf3, "cf3"); err != nil {
		return "", err
	}
	var ip *C.uint8_t
	if len(image) > 0 {
		ip = (*C.uint8_t)(unsafe.Pointer(&image[0]))
	}
	cp, op, end, closed := c.begin(call)
	if closed != nil {
		return "", closed
	}
	defer end()
	var out *C.char
	var cerr *C.faceauth_error
	st := C.faceauth_client_submit_with(cp, op, ptr(sid), ip, C.size_t(len(image)), ptr(u), ptr(c1), ptr(c2), ptr(c3), &out, &cerr)
	runtime.KeepAlive(image)
	if st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// Get is faceauth_client_get_with: the record's JSON.
func (c *Client) Get(call *Call, authID string) (string, error) {
	id, err := cstr(authID, "auth id")
	if err != nil {
		return "", err
	}
	cp, op, end, closed := c.begin(call)
	if closed != nil {
		return "", closed
	}
	defer end()
	var out *C.char
	var cerr *C.faceauth_error
	if st := C.faceauth_client_get_with(cp, op, ptr(id), &out, &cerr); st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// Image is faceauth_client_image_with: the bytes and their content type.
func (c *Client) Image(call *Call, authID string) ([]byte, string, error) {
	id, err := cstr(authID, "auth id")
	if err != nil {
		return nil, "", err
	}
	cp, op, end, closed := c.begin(call)
	if closed != nil {
		return nil, "", closed
	}
	defer end()
	var data C.faceauth_buf
	var ct *C.char
	var cerr *C.faceauth_error
	if st := C.faceauth_client_image_with(cp, op, ptr(id), &data, &ct, &cerr); st != C.FACEAUTH_STATUS_OK {
		return nil, "", takeError(st, cerr)
	}
	return takeBuf(&data), takeString(ct), nil
}

// Delete is faceauth_client_delete_with.
func (c *Client) Delete(call *Call, authID string) error {
	id, err := cstr(authID, "auth id")
	if err != nil {
		return err
	}
	cp, op, end, closed := c.begin(call)
	if closed != nil {
		return closed
	}
	defer end()
	var cerr *C.faceauth_error
	if st := C.faceauth_client_delete_with(cp, op, ptr(id), &cerr); st != C.FACEAUTH_STATUS_OK {
		return takeError(st, cerr)
	}
	return nil
}

// Records owns a faceauth_records: one goroutine at a time (the caller sees to it).
type Records struct{ h *handle[*C.faceauth_records] }

// List is faceauth_client_list_with; empty dates are both absent. The listing applies call's
// options to every page (its cancel handle and its deadline, counted from now).
func (c *Client) List(call *Call, startDate, endDate string, count uint32) (*Records, error) {
	var s, e []byte
	var err *Error
	if startDate != "" || endDate != "" {
		if s, err = cstr(startDate, "start date"); err != nil {
			return nil, err
		}
		if e, err = cstr(endDate, "end date"); err != nil {
			return nil, err
		}
	}
	cp, op, end, closed := c.begin(call)
	if closed != nil {
		return nil, closed
	}
	defer end()
	var p *C.faceauth_records
	var cerr *C.faceauth_error
	if st := C.faceauth_client_list_with(cp, op, ptr(s), ptr(e), C.uint32_t(count), &p, &cerr); st != C.FACEAUTH_STATUS_OK {
		return nil, takeError(st, cerr)
	}
	return &Records{h: own(p, func(p *C.faceauth_records) { C.faceauth_records_free(p) })}, nil
}

// Next is faceauth_records_next: a row's JSON and true, or "" and false at the end.
func (l *Records) Next() (string, bool, error) {
	p, closed := l.h.acquire()
	if closed != nil {
		return "", false, closed
	}
	defer l.h.release()
	var out *C.char
	var cerr *C.faceauth_error
	if st := C.faceauth_records_next(p, &out, &cerr); st != C.FACEAUTH_STATUS_OK {
		return "", false, takeError(st, cerr)
	}
	if out == nil {
		return "", false, nil
	}
	return takeString(out), true, nil
}

// Incomplete is faceauth_records_incomplete: why rows may be missing, or "".
func (l *Records) Incomplete() string {
	p, closed := l.h.acquire()
	if closed != nil {
		return ""
	}
	defer l.h.release()
	if s := C.faceauth_records_incomplete(p); s != nil {
		return C.GoString(s)
	}
	return ""
}

// Close frees the listing once; later calls do nothing.
func (l *Records) Close() { l.h.Close() }
