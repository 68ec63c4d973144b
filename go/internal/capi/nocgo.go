//go:build !cgo

package capi

// Without cgo, package capi would have no files that build, and go would say only "build
// constraints exclude all Go files": this line makes the compiler print why instead.
var _ int = "faceauth needs cgo: build with CGO_ENABLED=1 and a C compiler (cc) on PATH"
