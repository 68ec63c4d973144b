package capi

import (
	"runtime"
	"sync"
)

// handle owns one C handle, a pointer P such as *C.faceauth_cipher (what faceauth.hpp's Handle<T, Free> is in C++): the one
// place that holds the lock, the nil and closed checks, runtime.KeepAlive, the free function
// and the finalizer, for every handle type of this package.
//
// Calls borrow the pointer under the read lock (acquire, then release when the C call has
// returned), so any number of goroutines may use a handle that the C side documents as
// thread-safe, and Close, which takes the write lock, never frees it under a call in progress.
// The finalizer frees a handle nobody closed; it is set on the handle itself, which only its
// wrapper (Cipher, Client, …) points to, so it runs once the wrapper is unreachable.
//
// The type parameter is the pointer type, not the C struct: cgo's opaque structs are incomplete
// types, which Go does not accept as type arguments.
type handle[P comparable] struct {
	mu   sync.RWMutex
	p    P // the zero value (NULL) once freed
	free func(P)
}

// own takes ownership of p, freed by free (once: by Close, or by the finalizer).
func own[P comparable](p P, free func(P)) *handle[P] {
	h := &handle[P]{p: p, free: free}
	runtime.SetFinalizer(h, (*handle[P]).finalize)
	return h
}

// acquire read-locks h and returns its live pointer; every successful acquire is followed by
// one release, after the C call. A nil or closed handle is ErrClosed (and needs no release).
func (h *handle[P]) acquire() (P, error) {
	var null P
	if h == nil {
		return null, ErrClosed
	}
	h.mu.RLock()
	if h.p == null {
		h.mu.RUnlock()
		return null, ErrClosed
	}
	return h.p, nil
}

// release ends what acquire began: h stays reachable (and so unfreed by the finalizer) until
// here, after the C call that used its pointer.
func (h *handle[P]) release() {
	h.mu.RUnlock()
	runtime.KeepAlive(h)
}

// Close frees the C handle once, waiting for calls in progress; later calls do nothing.
func (h *handle[P]) Close() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var null P
	if h.p != null {
		h.free(h.p)
		h.p = null
		runtime.SetFinalizer(h, nil)
	}
}

// finalize frees a handle that was never closed (no call can be in progress: h is unreachable).
func (h *handle[P]) finalize() {
	var null P
	if h.p != null {
		h.free(h.p)
		h.p = null
	}
}
