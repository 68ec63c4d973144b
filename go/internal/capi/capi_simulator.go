package capi

/*
#include <stdlib.h>
#include "faceauth_go.h"
*/
import "C"

import ()

// Simulator owns a faceauth_simulator: the FaceAuth simulator in this process (thread-safe on
// the C side; Close stops it and joins its threads).
type Simulator struct {
	h   *handle[*C.faceauth_simulator]
	url string
}

// StartSimulator is faceauth_simulator_start. configJSON holds keys: its C copy is wiped after
// the call (the caller wipes its own).
func StartSimulator(configJSON []byte) (*Simulator, *Error) {
	for _, b := range configJSON {
		if b == 0 {
			return nil, &Error{Code: StatusInvalidArgument, Message: "the configuration holds a NUL byte"}
		}
	}
	cfg := make([]byte, len(configJSON)+1)
	copy(cfg, configJSON)
	defer wipe(cfg)
	var p *C.faceauth_simulator
	var cerr *C.faceauth_error
	if st := C.faceauth_simulator_start(ptr(cfg), &p, &cerr); st != C.FACEAUTH_STATUS_OK {
		return nil, takeError(st, cerr)
	}
	url := C.GoString(C.faceauth_simulator_base_url(p))
	return &Simulator{h: own(p, func(p *C.faceauth_simulator) { C.faceauth_simulator_free(p) }), url: url}, nil
}

// Close stops the simulator, joins its threads and frees it; later calls return ErrClosed.
func (s *Simulator) Close() { s.h.Close() }

// BaseURL is faceauth_simulator_base_url (kept after Close).
func (s *Simulator) BaseURL() string { return s.url }

// call runs f on the live handle under the read lock.
func (s *Simulator) call(f func(p *C.faceauth_simulator, err **C.faceauth_error) C.enum_faceauth_status) error {
	sp, closed := s.h.acquire()
	if closed != nil {
		return closed
	}
	defer s.h.release()
	var cerr *C.faceauth_error
	st := f(sp, &cerr)
	if st != C.FACEAUTH_STATUS_OK {
		return takeError(st, cerr)
	}
	return nil
}

// callString runs f, which fills a string, and returns it.
func (s *Simulator) callString(f func(p *C.faceauth_simulator, out **C.char, err **C.faceauth_error) C.enum_faceauth_status) (string, error) {
	var out *C.char
	err := s.call(func(p *C.faceauth_simulator, cerr **C.faceauth_error) C.enum_faceauth_status {
		return f(p, &out, cerr)
	})
	if err != nil {
		return "", err
	}
	return takeString(out), nil
}

// AddSubmission is faceauth_simulator_add_submission.
func (s *Simulator) AddSubmission(submissionJSON string) error {
	b, e := cstr(submissionJSON, "submission JSON")
	if e != nil {
		return e
	}
	return s.call(func(p *C.faceauth_simulator, err **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_simulator_add_submission(p, ptr(b), err)
	})
}

// AddResults is faceauth_simulator_add_results: how many results were made.
func (s *Simulator) AddResults(resultsJSON string) (uint64, error) {
	b, e := cstr(resultsJSON, "results JSON")
	if e != nil {
		return 0, e
	}
	var created C.uint64_t
	err := s.call(func(p *C.faceauth_simulator, cerr **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_simulator_add_results(p, ptr(b), &created, cerr)
	})
	return uint64(created), err
}

// Open is faceauth_simulator_open: {"status", "json"}. result is "", "approved" or "rejected".
func (s *Simulator) Open(url, result string) (string, error) {
	u, e := cstr(url, "url")
	if e != nil {
		return "", e
	}
	var r []byte
	if result != "" {
		if r, e = cstr(result, "result"); e != nil {
			return "", e
		}
	}
	return s.callString(func(p *C.faceauth_simulator, out **C.char, err **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_simulator_open(p, ptr(u), ptr(r), out, err)
	})
}

// Webhooks is faceauth_simulator_webhooks: a JSON array of bodies.
func (s *Simulator) Webhooks() (string, error) {
	return s.callString(func(p *C.faceauth_simulator, out **C.char, err **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_simulator_webhooks(p, out, err)
	})
}

// AdvanceClock is faceauth_simulator_advance_clock: the new time (RFC 3339).
func (s *Simulator) AdvanceClock(seconds float64) (string, error) {
	return s.callString(func(p *C.faceauth_simulator, out **C.char, err **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_simulator_advance_clock(p, C.double(seconds), out, err)
	})
}

// Faults is faceauth_simulator_faults: "" changes nothing; returns every setting as JSON.
func (s *Simulator) Faults(faultsJSON string) (string, error) {
	var b []byte
	if faultsJSON != "" {
		var e *Error
		if b, e = cstr(faultsJSON, "faults JSON"); e != nil {
			return "", e
		}
	}
	return s.callString(func(p *C.faceauth_simulator, out **C.char, err **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_simulator_faults(p, ptr(b), out, err)
	})
}

// Report is faceauth_simulator_report: "requests", "state" or "clock", as JSON.
func (s *Simulator) Report(what string) (string, error) {
	w, e := cstr(what, "report")
	if e != nil {
		return "", e
	}
	return s.callString(func(p *C.faceauth_simulator, out **C.char, err **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_simulator_report(p, ptr(w), out, err)
	})
}
