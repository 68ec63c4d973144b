// Package faceauth is the Go package of the FaceAuth SDK (the Argos Identity FaceAuth add-on):
// FaceAuth links (URLBuilder, InspectURL), their encryption (Cipher), token ids, webhooks
// (ParseWebhook), the REST API (Client) and, over the token ledger, links that expire
// (OpenLedger). It calls libfaceauth, the SDK's C ABI, linked statically through cgo; all cgo
// lives in internal/capi.
//
// Errors are *Error values with one sentinel per kind (errors.Is(err, ErrIPNotAllowed)). No
// value of this package prints an API key: not its errors, and not %v, %+v or %#v of any type.
//
// Concurrency: a URLBuilder, a Cipher, a Client and a Ledger may be shared by any number of goroutines;
// a listing (Client.List) belongs to the goroutine ranging over it. Every type holding a C
// handle has an idempotent Close; a finalizer frees what Close was not called on.
package faceauth

import "github.com/faceauth/faceauth/go/internal/capi"

// Version is the version of the linked libfaceauth, such as "0.1.0".
func Version() string { return capi.Version() }
