// The one way this package's cgo files include faceauth.h: a build that does not name the
// library it links (FACEAUTH_LIB_SHA256, see capi.go) stops here, saying what to do, instead of
// at a missing header or, worse, linking whatever library go cached.
#ifndef FACEAUTH_GO_H
#define FACEAUTH_GO_H
#ifndef FACEAUTH_LIB_SHA256
#error "faceauth: no FACEAUTH_LIB_SHA256: in a checkout run `make go-lib`; with -tags faceauth_pkgconfig set CGO_CPPFLAGS=-DFACEAUTH_LIB_SHA256=<sha256 of the libfaceauth.a you link> (README, Go)"
#else
#include "faceauth.h"
#endif
#endif
