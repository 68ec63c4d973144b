package capi

/*
#include <stdlib.h>
#include "faceauth_go.h"

// As fa_build: the parameters made, used and freed in this one call, from pointers into one Go
// buffer.
static enum faceauth_status fa_ledger_issue(const faceauth_ledger *l, const faceauth_url_builder *b,
                                            const char *rule, const char *sid, const char *user_id,
                                            const char *cf1, const char *cf2, const char *cf3,
                                            const char *meta, char **out, faceauth_error **err) {
  faceauth_auth_params *p = NULL;
  enum faceauth_status s = fa_params(sid, user_id, cf1, cf2, cf3, NULL, &p, err);
  if (s == FACEAUTH_STATUS_OK) {
    s = faceauth_ledger_issue_url(l, b, rule, p, meta, out, err);
    faceauth_auth_params_free(p);
  }
  return s;
}
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Ledger owns a faceauth_ledger (thread-safe on the C side).
type Ledger struct{ h *handle[*C.faceauth_ledger] }

// LedgerOpen is faceauth_ledger_open.
func LedgerOpen(location string) (*Ledger, *Error) {
	loc, err := cstr(location, "location")
	if err != nil {
		return nil, err
	}
	var p *C.faceauth_ledger
	var cerr *C.faceauth_error
	if st := C.faceauth_ledger_open(ptr(loc), &p, &cerr); st != C.FACEAUTH_STATUS_OK {
		return nil, takeError(st, cerr)
	}
	return &Ledger{h: own(p, func(p *C.faceauth_ledger) { C.faceauth_ledger_free(p) })}, nil
}

// Close frees the ledger once (closing its file); later calls do nothing.
func (l *Ledger) Close() { l.h.Close() }

// pack packs NUL-terminated strings into one buffer; nil pointers for absent ("" and
// optional) fields. It refuses a string holding a NUL byte.
func pack(fields []string, required []bool, names []string) ([]*C.char, []byte, *Error) {
	n := 0
	for i, f := range fields {
		for j := 0; j < len(f); j++ {
			if f[j] == 0 {
				return nil, nil, &Error{Code: StatusInvalidArgument, Message: names[i] + " holds a NUL byte"}
			}
		}
		n += len(f) + 1
	}
	buf := make([]byte, 0, n)
	offs := make([]int, len(fields))
	for i, f := range fields {
		offs[i] = -1
		if required[i] || f != "" {
			offs[i] = len(buf)
			buf = append(buf, f...)
			buf = append(buf, 0)
		}
	}
	ptrs := make([]*C.char, len(fields))
	for i, off := range offs {
		if off >= 0 {
			ptrs[i] = (*C.char)(unsafe.Pointer(&buf[off]))
		}
	}
	return ptrs, buf, nil
}

// IssueURL is faceauth_ledger_issue_url; meta is "" or a JSON object of strings.
func (l *Ledger) IssueURL(b *URLBuilder, rule string, p *Params, meta string) (string, error) {
	// The C pointers point into buf, which is pointer-free Go memory; ptrs itself stays in Go.
	ptrs, buf, err := pack(
		[]string{rule, p.SID, p.UserID, p.CF1, p.CF2, p.CF3, meta},
		[]bool{true, true, false, false, false, false, false},
		[]string{"rule", "sid", "user id", "cf1", "cf2", "cf3", "metadata"})
	if err != nil {
		return "", err
	}
	lp, closed := l.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer l.h.release()
	bp, closed := b.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer b.h.release()
	var out *C.char
	var cerr *C.faceauth_error
	st := C.fa_ledger_issue(lp, bp, ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6], &out, &cerr)
	runtime.KeepAlive(buf)
	if st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// tokenCall runs faceauth_ledger_status or _mark_used.
func (l *Ledger) tokenCall(tokenID string, mark bool) (string, error) {
	t, err := cstr(tokenID, "token id")
	if err != nil {
		return "", err
	}
	lp, closed := l.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer l.h.release()
	var out *C.char
	var cerr *C.faceauth_error
	var st C.enum_faceauth_status
	if mark {
		st = C.faceauth_ledger_mark_used(lp, ptr(t), &out, &cerr)
	} else {
		st = C.faceauth_ledger_status(lp, ptr(t), &out, &cerr)
	}
	if st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// Status is faceauth_ledger_status.
func (l *Ledger) Status(tokenID string) (string, error) { return l.tokenCall(tokenID, false) }

// MarkUsed is faceauth_ledger_mark_used.
func (l *Ledger) MarkUsed(tokenID string) (string, error) { return l.tokenCall(tokenID, true) }

// ApplyConfirmed is faceauth_ledger_apply_confirmed_with; call and c may be nil.
func (l *Ledger) ApplyConfirmed(cl *Client, call *Call, body []byte, c *Cipher) (string, error) {
	lp, closed := l.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer l.h.release()
	clp, op, end, closed := cl.begin(call)
	if closed != nil {
		return "", closed
	}
	defer end()
	return webhookCall(body, c, func(b *C.char, cp *C.faceauth_cipher, out **C.char, cerr **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_ledger_apply_confirmed_with(lp, clp, op, b, cp, out, cerr)
	})
}

// ApplyWebhook is faceauth_ledger_apply_webhook; c may be nil.
func (l *Ledger) ApplyWebhook(body []byte, c *Cipher) (string, error) {
	lp, closed := l.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer l.h.release()
	return webhookCall(body, c, func(b *C.char, cp *C.faceauth_cipher, out **C.char, cerr **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_ledger_apply_webhook(lp, b, cp, out, cerr)
	})
}

// List is faceauth_ledger_list; filter is "" or a JSON object.
func (l *Ledger) List(filter string) (string, error) {
	var f []byte
	if filter != "" {
		var err *Error
		if f, err = cstr(filter, "filter"); err != nil {
			return "", err
		}
	}
	lp, closed := l.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer l.h.release()
	var out *C.char
	var cerr *C.faceauth_error
	st := C.faceauth_ledger_list(lp, ptr(f), &out, &cerr)
	if st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// Purge is faceauth_ledger_purge.
func (l *Ledger) Purge(olderThanSeconds int64) (uint64, error) {
	lp, closed := l.h.acquire()
	if closed != nil {
		return 0, closed
	}
	defer l.h.release()
	var n C.uint64_t
	var cerr *C.faceauth_error
	st := C.faceauth_ledger_purge(lp, C.int64_t(olderThanSeconds), &n, &cerr)
	if st != C.FACEAUTH_STATUS_OK {
		return 0, takeError(st, cerr)
	}
	return uint64(n), nil
}
