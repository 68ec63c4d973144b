package capi

// This file holds the package's one cgo export; cgo copies its preamble into _cgo_export.h, so
// the preamble declares only (the C trampoline that calls the export is in capi_client.go).

/*
#include <stdint.h>
#include "faceauth_go.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/cgo"
	"time"
)

// faceauthGoAttempt is the attempt callback of every client with a hook: userData is the
// cgo.Handle of its func(Attempt). A panic in the hook is recovered here, so it never unwinds
// through the library's frames, and printed to stderr (as the Rust core prints a panicking
// hook's): the call goes on.
//
//export faceauthGoAttempt
func faceauthGoAttempt(a *C.faceauth_attempt, userData C.uintptr_t) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "faceauth: the OnAttempt hook panicked (the call goes on): %v\n", r)
		}
	}()
	hook, ok := cgo.Handle(userData).Value().(func(Attempt))
	if !ok || a == nil {
		return
	}
	at := Attempt{
		Method:     C.GoString(C.faceauth_attempt_method(a)),
		Route:      C.GoString(C.faceauth_attempt_route(a)),
		HTTPStatus: int(C.faceauth_attempt_http_status(a)),
		Number:     int(C.faceauth_attempt_number(a)),
		Duration:   time.Duration(C.faceauth_attempt_duration_us(a)) * time.Microsecond,
	}
	if at.HTTPStatus == 0 {
		at.Error = int(C.faceauth_attempt_error(a))
	}
	if id := C.faceauth_attempt_request_id(a); id != nil {
		at.RequestID = C.GoString(id)
	}
	hook(at)
}
