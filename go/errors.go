package faceauth

//go:generate go run ./internal/cmd/genstatus -header ../include/faceauth.h -o statuses.go

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// Error is every failure of this package that the library reports: Kind is the status's name
// ("bad_padding", "api_ip_not_allowed", …, as faceauth_status_str and the other bindings name
// it), Code its stable number (the C ABI's faceauth_status), Message the library's message
// (lowercase, never a key), and HTTPStatus the API's answer for REST failures (0 when no
// response arrived, and for everything outside the REST client).
//
// Each kind has a sentinel (ErrBadPadding, ErrIPNotAllowed, …): errors.Is(err, ErrTimeout)
// compares codes, and errors.As gives the details. A kind that refines another matches the
// broader sentinel too: an ErrNotFound error (Argos answers "does not exist" with a 400) also
// matches ErrInvalidRequest. An error of a REST call whose context
// expired also matches context.DeadlineExceeded (or context.Canceled).
type Error struct {
	Kind       string // the stable name of the kind, such as "bad_padding"
	Code       int    // the status number of the C ABI
	Message    string // the library's message (lowercase, never a key)
	HTTPStatus int    // the HTTP status of a REST API failure; 0 when none

	ctxErr error // the context's error, when the call's context ended
}

// Error formats as "faceauth: <kind>: <message> (HTTP <status>)".
func (e *Error) Error() string {
	s := "faceauth: " + e.Kind
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.HTTPStatus != 0 {
		s += " (HTTP " + strconv.Itoa(e.HTTPStatus) + ")"
	}
	return s
}

// Is reports whether target is an *Error with the same code (a sentinel, usually), or with a
// code that e's refines (the library's faceauth_status_parent: ErrNotFound is also
// ErrInvalidRequest).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	// The chain is the library's, and short; the bound only guards against a cycle.
	for code, steps := e.Code, 0; code != 0 && steps < 8; code, steps = capi.StatusParent(code), steps+1 {
		if code == t.Code {
			return true
		}
	}
	return false
}

// Unwrap gives the context's error when the call's context ended, else nil.
func (e *Error) Unwrap() error { return e.ctxErr }

// ErrClosed is returned (wrapped) by every method called after Close.
var ErrClosed = capi.ErrClosed

// Sentinels returns one sentinel *Error per status of the C ABI, in code order.
func Sentinels() []*Error { return append([]*Error(nil), sentinels...) }

var byCode = func() map[int]*Error {
	m := make(map[int]*Error, len(sentinels))
	for _, s := range sentinels {
		m[s.Code] = s
	}
	return m
}()

// kindOf names a code: the sentinel's kind, or faceauth_status_str for a code newer than this
// package (the library may add statuses).
func kindOf(code int) string {
	if s, ok := byCode[code]; ok {
		return s.Kind
	}
	return capi.StatusName(code)
}

// wrap converts what the capi layer returned: *capi.Error to *Error, ErrClosed as it is.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var ce *capi.Error
	if errors.As(err, &ce) {
		if ce == nil {
			return nil
		}
		return &Error{Kind: kindOf(ce.Code), Code: ce.Code, Message: ce.Message, HTTPStatus: ce.HTTPStatus}
	}
	if errors.Is(err, capi.ErrClosed) {
		return err
	}
	return fmt.Errorf("faceauth: %w", err)
}

// wrapC is wrap for the *capi.Error results of constructors (a nil *capi.Error is no error).
func wrapC(err *capi.Error) error {
	if err == nil {
		return nil
	}
	return wrap(err)
}
