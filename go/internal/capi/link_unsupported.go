//go:build cgo && !faceauth_pkgconfig && !(linux && amd64)

package capi

// The module carries libfaceauth for linux/amd64 only: elsewhere the build stops here, with
// this message, instead of at a linker error.
var _ int = "faceauth: this module has no prebuilt libfaceauth for this platform; install libfaceauth (make install) and build with -tags faceauth_pkgconfig"
