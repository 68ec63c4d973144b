// The one way this package's cgo files include faceauth.h: a build that does not name the
// library it links (FACEAUTH_LIB_SHA256, see capi.go) stops here, saying what to do, instead of
// at a missing header or, worse, linking whatever library go cached.
#ifndef FACEAUTH_GO_H
#define FACEAUTH_GO_H
#ifndef FACEAUTH_LIB_SHA256
#error "faceauth: no FACEAUTH_LIB_SHA256: in a checkout run `make go-lib`; with -tags faceauth_pkgconfig set CGO_CPPFLAGS=-DFACEAUTH_LIB_SHA256=<sha256 of the libfaceauth.a you link> (README, Go)"
#else
#include "faceauth.h"

// Makes the faceauth_auth_params of one URL, in the one cgo call that uses them (fa_build,
// fa_ledger_issue): the setters copy the strings, which may point into Go memory for the call.
// NULL fields stay absent. On failure nothing is left to free.
static inline enum faceauth_status fa_params(const char *sid, const char *user_id,
                                             const char *cf1, const char *cf2, const char *cf3,
                                             const char *token, faceauth_auth_params **out,
                                             faceauth_error **err) {
  faceauth_auth_params *p = NULL;
  enum faceauth_status s = faceauth_auth_params_new(sid, &p, err);
  if (s == FACEAUTH_STATUS_OK && user_id != NULL) s = faceauth_auth_params_set_user_id(p, user_id, err);
  if (s == FACEAUTH_STATUS_OK && cf1 != NULL) s = faceauth_auth_params_set_cf1(p, cf1, err);
  if (s == FACEAUTH_STATUS_OK && cf2 != NULL) s = faceauth_auth_params_set_cf2(p, cf2, err);
  if (s == FACEAUTH_STATUS_OK && cf3 != NULL) s = faceauth_auth_params_set_cf3(p, cf3, err);
  if (s == FACEAUTH_STATUS_OK && token != NULL) s = faceauth_auth_params_set_token(p, token, err);
  if (s == FACEAUTH_STATUS_OK) {
    *out = p;
  } else {
    faceauth_auth_params_free(p);
  }
  return s;
}
#endif
#endif
