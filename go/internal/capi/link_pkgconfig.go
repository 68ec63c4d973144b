//go:build cgo && faceauth_pkgconfig

package capi

// With -tags faceauth_pkgconfig: an installed libfaceauth, through its faceauth.pc. `--static`
// makes pkg-config add Libs.private (cargo's native-static-libs); `-l:libfaceauth.a` names the
// archive itself, and --as-needed keeps the .pc's `-lfaceauth` from adding libfaceauth.so as a
// run-time dependency where both sit in one lib directory (an ordinary `make install`).
// CGO_CPPFLAGS must carry -DFACEAUTH_LIB_SHA256=<sha256 of that libfaceauth.a> (capi.go).

/*
#cgo pkg-config: --static faceauth
#cgo LDFLAGS: -Wl,--as-needed -l:libfaceauth.a
*/
import "C"
