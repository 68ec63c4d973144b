// Package capi is the one cgo layer over libfaceauth (include/faceauth.h). It links the static
// libfaceauth.a, so binaries need no libfaceauth.so at run time, from one of two places:
//
//   - by default, the prebuilt library inside the module, build/<goos>-<goarch>/libfaceauth.a,
//     with the header in build/include (link_prebuilt.go; scripts/go-lib.sh places both and
//     writes zz_lib_<goos>_<goarch>.go, which names the library's SHA-256);
//   - with -tags faceauth_pkgconfig, an installed libfaceauth found through its faceauth.pc
//     (link_pkgconfig.go); CGO_CPPFLAGS must then name the library's SHA-256.
//
// Go does not hash the static libraries it links: a cached build of this package would keep
// linking the library it was first built with. Both ways therefore compile the library's
// SHA-256 (FACEAUTH_LIB_SHA256) into this package's C object, so another library is another
// package build, and so a new link.
//
// Every handle type here (Cipher, URLBuilder, Client, Records, Ledger, Simulator, Call) owns
// its C handle through the one generic handle[P] (handle.go): Close frees it once (later calls
// fail with ErrClosed), a finalizer frees it if Close was never called, runtime.KeepAlive
// follows every C call, and a read lock held for each call means Close cannot free a handle
// another goroutine is using. Every output is copied into
// Go memory and then freed with the library's own free functions; errors come back with the
// call (there is no thread-local state). Nothing above this package imports "C".
package capi

/*
#include <stdlib.h>
#include <string.h>
#include "faceauth_go.h"

// The library's SHA-256, compiled into this object: see the package comment.
#define FA_STRINGIFY_(x) #x
#define FA_STRINGIFY(x) FA_STRINGIFY_(x)
const char faceauth_go_library_sha256[] = FA_STRINGIFY(FACEAUTH_LIB_SHA256);

// The parameters of one URL, made, used and freed in this one cgo call (fa_params): the
// strings point into one Go byte buffer (pointer-free Go memory, which cgo lets C read for the
// call). The results come back in a struct by value, so no out-parameter has to live in
// (heap-allocated) Go memory: the hot path of Build.
typedef struct fa_build_result {
  enum faceauth_status status;
  char *url;
  faceauth_error *err;
} fa_build_result;

static fa_build_result fa_build(const faceauth_url_builder *b, const char *sid,
                                const char *user_id, const char *cf1, const char *cf2,
                                const char *cf3, const char *token) {
  faceauth_auth_params *p = NULL;
  fa_build_result r = {FACEAUTH_STATUS_OK, NULL, NULL};
  r.status = fa_params(sid, user_id, cf1, cf2, cf3, token, &p, &r.err);
  if (r.status == FACEAUTH_STATUS_OK) {
    r.status = faceauth_url_builder_build(b, p, &r.url, &r.err);
    faceauth_auth_params_free(p);
  }
  return r;
}
*/
import "C"

import (
	"errors"
	"runtime"
	"strings"
	"unsafe"
)

// Error is a failure as the C side reported it (or, for input C cannot take, as this package
// found it): a faceauth_status code, its message (never a key) and the HTTP status, 0 if none.
type Error struct {
	Code       int
	Message    string
	HTTPStatus int
}

func (e *Error) Error() string { return StatusName(e.Code) + ": " + e.Message }

// ErrClosed is returned by every call on a handle after its Close.
var ErrClosed = errors.New("faceauth: use of a closed handle")

// Status codes this package returns itself (the same values as the header's).
const (
	StatusInvalidArgument  = int(C.FACEAUTH_STATUS_INVALID_ARGUMENT)
	StatusWebhookMalformed = int(C.FACEAUTH_STATUS_WEBHOOK_MALFORMED)
	StatusCancelled        = int(C.FACEAUTH_STATUS_CANCELLED)
	StatusAPITimeout       = int(C.FACEAUTH_STATUS_API_TIMEOUT)
)

// Version is faceauth_version(): the library's version, such as "0.1.0".
func Version() string { return C.GoString(C.faceauth_version()) }

// LibrarySHA256 is the SHA-256 (hex) of the libfaceauth.a this package was built to link.
func LibrarySHA256() string { return C.GoString(&C.faceauth_go_library_sha256[0]) }

// HeaderVersion is FACEAUTH_VERSION_MAJOR/MINOR/PATCH of the header this package compiled with.
func HeaderVersion() (major, minor, patch int) {
	return int(C.FACEAUTH_VERSION_MAJOR), int(C.FACEAUTH_VERSION_MINOR), int(C.FACEAUTH_VERSION_PATCH)
}

// StatusName is faceauth_status_str(code): "bad_padding", …, or "unknown".
func StatusName(code int) string {
	return C.GoString(C.faceauth_status_str(C.faceauth_status(code)))
}

// StatusParent is faceauth_status_parent(code): the broader status code refines, or 0.
func StatusParent(code int) int {
	return int(C.faceauth_status_parent(C.faceauth_status(code)))
}

// takeError turns a failed call's status and error object into an *Error and frees the object.
func takeError(status C.enum_faceauth_status, e *C.faceauth_error) *Error {
	if e == nil {
		return &Error{Code: int(status)}
	}
	out := &Error{
		Code:       int(C.faceauth_error_code(e)),
		Message:    C.GoString(C.faceauth_error_message(e)),
		HTTPStatus: int(C.faceauth_error_http_status(e)),
	}
	C.faceauth_error_free(e)
	return out
}

// takeString copies a string the library returned and frees (wipes) it.
func takeString(s *C.char) string {
	if s == nil {
		return ""
	}
	out := C.GoString(s)
	C.faceauth_string_free(s)
	return out
}

// takeBuf copies the bytes of a filled faceauth_buf and frees (wipes) them.
func takeBuf(b *C.faceauth_buf) []byte {
	out := []byte{}
	if b.data != nil && b.len > 0 {
		out = C.GoBytes(unsafe.Pointer(b.data), C.int(b.len))
	}
	C.faceauth_buf_free(b)
	return out
}

// cstr is s as a NUL-terminated Go byte buffer C may read for one call. A string holding a NUL
// byte cannot cross as a C string; it is refused rather than cut short. what names the argument
// in that error.
func cstr(s, what string) ([]byte, *Error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{Code: StatusInvalidArgument, Message: what + " holds a NUL byte"}
	}
	b := make([]byte, len(s)+1)
	copy(b, s)
	return b, nil
}

func ptr(b []byte) *C.char {
	if b == nil {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&b[0]))
}

// wipe clears a buffer that held a key.
func wipe(b []byte) { clear(b) }

// ---- tokens ----

// TokenGenerate is faceauth_token_generate.
func TokenGenerate() (string, *Error) {
	var out *C.char
	var cerr *C.faceauth_error
	if st := C.faceauth_token_generate(&out, &cerr); st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// TokenValidate is faceauth_token_validate.
func TokenValidate(id string) *Error {
	b, err := cstr(id, "token id")
	if err != nil {
		return err
	}
	var cerr *C.faceauth_error
	if st := C.faceauth_token_validate(ptr(b), &cerr); st != C.FACEAUTH_STATUS_OK {
		return takeError(st, cerr)
	}
	return nil
}

// CryptoDiagnose is faceauth_crypto_diagnose: the report's JSON. The key's copy is wiped.
func CryptoDiagnose(ciphertext, apiKey string) (string, *Error) {
	t, err := cstr(ciphertext, "ciphertext")
	if err != nil {
		return "", err
	}
	k, err := cstr(apiKey, "api key")
	if err != nil {
		return "", err
	}
	defer wipe(k)
	var out *C.char
	var cerr *C.faceauth_error
	if st := C.faceauth_crypto_diagnose(ptr(t), ptr(k), &out, &cerr); st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// RedactCredentials is faceauth_url_redact_credentials: text with every credential replaced
// by <redacted>, by the library's one rule.
func RedactCredentials(text string) (string, *Error) {
	b, err := cstr(text, "text")
	if err != nil {
		return "", err
	}
	var out *C.char
	var cerr *C.faceauth_error
	if st := C.faceauth_url_redact_credentials(ptr(b), &out, &cerr); st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// ---- cipher ----

// Cipher owns a faceauth_cipher (thread-safe on the C side).
type Cipher struct{ h *handle[*C.faceauth_cipher] }

// borrow acquires c for one C call and returns its pointer (NULL for a nil c, which means no
// key) and the release to defer; a closed c is ErrClosed.
func (c *Cipher) borrow() (*C.faceauth_cipher, func(), error) {
	if c == nil {
		return nil, func() {}, nil
	}
	p, err := c.h.acquire()
	if err != nil {
		return nil, nil, err
	}
	return p, c.h.release, nil
}

// NewCipher is faceauth_cipher_new. The key's C copy is wiped after the call.
func NewCipher(apiKey, scheme string) (*Cipher, *Error) {
	k, err := cstr(apiKey, "api key")
	if err != nil {
		return nil, err
	}
	defer wipe(k)
	s, err := cstr(scheme, "scheme")
	if err != nil {
		return nil, err
	}
	var p *C.faceauth_cipher
	var cerr *C.faceauth_error
	if st := C.faceauth_cipher_new(ptr(k), ptr(s), &p, &cerr); st != C.FACEAUTH_STATUS_OK {
		return nil, takeError(st, cerr)
	}
	return &Cipher{h: own(p, func(p *C.faceauth_cipher) { C.faceauth_cipher_free(p) })}, nil
}

// Close frees the cipher once; later calls do nothing.
func (c *Cipher) Close() { c.h.Close() }

// Encrypt is faceauth_cipher_encrypt_bytes over data (a Go string's bytes or a slice).
func (c *Cipher) Encrypt(data []byte) (string, error) {
	cp, closed := c.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer c.h.release()
	var dp *C.uint8_t
	if len(data) > 0 {
		dp = (*C.uint8_t)(unsafe.Pointer(&data[0]))
	}
	var out *C.char
	var cerr *C.faceauth_error
	st := C.faceauth_cipher_encrypt_bytes(cp, dp, C.size_t(len(data)), &out, &cerr)
	if st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// Decrypt is faceauth_cipher_decrypt.
func (c *Cipher) Decrypt(text string) (string, error) {
	b, err := cstr(text, "ciphertext")
	if err != nil {
		return "", err
	}
	cp, closed := c.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer c.h.release()
	var out *C.char
	var cerr *C.faceauth_error
	st := C.faceauth_cipher_decrypt(cp, ptr(b), &out, &cerr)
	if st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// DecryptBytes is faceauth_cipher_decrypt_bytes.
func (c *Cipher) DecryptBytes(text string) ([]byte, error) {
	b, err := cstr(text, "ciphertext")
	if err != nil {
		return nil, err
	}
	cp, closed := c.h.acquire()
	if closed != nil {
		return nil, closed
	}
	defer c.h.release()
	var out C.faceauth_buf
	var cerr *C.faceauth_error
	st := C.faceauth_cipher_decrypt_bytes(cp, ptr(b), &out, &cerr)
	if st != C.FACEAUTH_STATUS_OK {
		return nil, takeError(st, cerr)
	}
	return takeBuf(&out), nil
}

// InspectURL is faceauth_url_inspect with this cipher: the report's JSON.
func (c *Cipher) InspectURL(url string) (string, error) {
	b, err := cstr(url, "url")
	if err != nil {
		return "", err
	}
	cp, closed := c.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer c.h.release()
	var out *C.char
	var cerr *C.faceauth_error
	st := C.faceauth_url_inspect(ptr(b), cp, &out, &cerr)
	if st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// WebhookParse is faceauth_webhook_parse; c may be nil (no key). It returns the event's JSON.
func WebhookParse(body []byte, c *Cipher) (string, error) {
	return webhookCall(body, c, func(b *C.char, cp *C.faceauth_cipher, out **C.char, cerr **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_webhook_parse(b, cp, out, cerr)
	})
}

// webhookCall runs one C call that takes a webhook body and a cipher (nil: no key) and returns
// JSON: the body NUL-terminated for C (a body holding a NUL byte is malformed), the cipher
// borrowed for the call. The caller holds the locks of its other handles.
func webhookCall(body []byte, c *Cipher,
	call func(b *C.char, cp *C.faceauth_cipher, out **C.char, cerr **C.faceauth_error) C.enum_faceauth_status,
) (string, error) {
	if i := strings.IndexByte(string(body), 0); i >= 0 {
		return "", &Error{Code: StatusWebhookMalformed, Message: "webhook body holds a NUL byte"}
	}
	b := make([]byte, len(body)+1)
	copy(b, body)
	cp, unlock, err := c.borrow()
	if err != nil {
		return "", err
	}
	defer unlock()
	var out *C.char
	var cerr *C.faceauth_error
	st := call(ptr(b), cp, &out, &cerr)
	if st != C.FACEAUTH_STATUS_OK {
		return "", takeError(st, cerr)
	}
	return takeString(out), nil
}

// ConfirmWebhook is faceauth_client_confirm_webhook_with; call and c may be nil. It returns
// the confirmed event's JSON.
func (cl *Client) ConfirmWebhook(call *Call, body []byte, c *Cipher) (string, error) {
	clp, op, end, closed := cl.begin(call)
	if closed != nil {
		return "", closed
	}
	defer end()
	return webhookCall(body, c, func(b *C.char, cp *C.faceauth_cipher, out **C.char, cerr **C.faceauth_error) C.enum_faceauth_status {
		return C.faceauth_client_confirm_webhook_with(clp, op, b, cp, out, cerr)
	})
}

// ---- URL builder ----

// URLBuilder owns a faceauth_url_builder. Its setters run in NewURLBuilder only, before anyone
// else can see it, so Build may be called from any number of goroutines.
type URLBuilder struct {
	h *handle[*C.faceauth_url_builder]
}

// NewURLBuilder is faceauth_url_builder_new followed by the setters for a non-empty lang and
// baseURL. On any failure nothing is left allocated.
func NewURLBuilder(projectID, apiKey, scheme, lang, baseURL string) (*URLBuilder, *Error) {
	k, err := cstr(apiKey, "api key")
	if err != nil {
		return nil, err
	}
	defer wipe(k)
	pid, err := cstr(projectID, "project id")
	if err != nil {
		return nil, err
	}
	s, err := cstr(scheme, "scheme")
	if err != nil {
		return nil, err
	}
	var l, base []byte
	if lang != "" {
		if l, err = cstr(lang, "lang"); err != nil {
			return nil, err
		}
	}
	if baseURL != "" {
		if base, err = cstr(baseURL, "base url"); err != nil {
			return nil, err
		}
	}
	var p *C.faceauth_url_builder
	var cerr *C.faceauth_error
	if st := C.faceauth_url_builder_new(ptr(pid), ptr(k), ptr(s), &p, &cerr); st != C.FACEAUTH_STATUS_OK {
		return nil, takeError(st, cerr)
	}
	if l != nil {
		if st := C.faceauth_url_builder_set_lang(p, ptr(l), &cerr); st != C.FACEAUTH_STATUS_OK {
			C.faceauth_url_builder_free(p)
			return nil, takeError(st, cerr)
		}
	}
	if base != nil {
		if st := C.faceauth_url_builder_set_base_url(p, ptr(base), &cerr); st != C.FACEAUTH_STATUS_OK {
			C.faceauth_url_builder_free(p)
			return nil, takeError(st, cerr)
		}
	}
	return &URLBuilder{h: own(p, func(p *C.faceauth_url_builder) { C.faceauth_url_builder_free(p) })}, nil
}

// Close frees the builder once; later calls do nothing.
func (b *URLBuilder) Close() { b.h.Close() }

// Params are the fields of one URL; "" is absent, except SID, which is always sent.
type Params struct{ SID, UserID, CF1, CF2, CF3, Token string }

// Build is faceauth_url_builder_build. The six strings travel in one NUL-separated Go buffer.
func (b *URLBuilder) Build(p Params) (string, error) {
	fields := [6]string{p.SID, p.UserID, p.CF1, p.CF2, p.CF3, p.Token}
	names := [6]string{"sid", "user id", "cf1", "cf2", "cf3", "token"}
	n := 0
	for i, f := range fields {
		if strings.IndexByte(f, 0) >= 0 {
			return "", &Error{Code: StatusInvalidArgument, Message: names[i] + " holds a NUL byte"}
		}
		n += len(f) + 1
	}
	buf := make([]byte, 0, n)
	var ptrs [6]*C.char
	var offs [6]int
	for i, f := range fields {
		offs[i] = -1
		if i == 0 || f != "" {
			offs[i] = len(buf)
			buf = append(buf, f...)
			buf = append(buf, 0)
		}
	}
	for i, off := range offs {
		if off >= 0 {
			ptrs[i] = (*C.char)(unsafe.Pointer(&buf[off]))
		}
	}
	bp, closed := b.h.acquire()
	if closed != nil {
		return "", closed
	}
	defer b.h.release()
	r := C.fa_build(bp, ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5])
	runtime.KeepAlive(buf)
	if r.status != C.FACEAUTH_STATUS_OK {
		return "", takeError(r.status, r.err)
	}
	return takeString(r.url), nil
}
