//go:build cgo && !faceauth_pkgconfig

package capi

// By default: the prebuilt libfaceauth.a inside this module, one per platform, and the header
// beside it (scripts/go-lib.sh places them; zz_lib_<goos>_<goarch>.go, which it writes too,
// gives FACEAUTH_LIB_SHA256). After the archive come the system libraries it needs: cargo's
// native-static-libs for that platform (tests/examples/run.sh checks the line against it).

/*
#cgo CFLAGS: -I${SRCDIR}/../../build/include
#cgo linux,amd64 LDFLAGS: ${SRCDIR}/../../build/linux-amd64/libfaceauth.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
