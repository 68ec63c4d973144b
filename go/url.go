package faceauth

import (
	"encoding/json"
	"fmt"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// AuthParams are the encrypted fields of one link. SID is required; an empty optional field is
// absent. The json tags are the payload's keys (and Inspection.Params').
type AuthParams struct {
	SID    string `json:"sid"`                  // the approved ID check submission id
	UserID string `json:"authUserId,omitempty"` // your id for the user
	CF1    string `json:"authCf1,omitempty"`    // free extra fields
	CF2    string `json:"authCf2,omitempty"`    // free extra fields
	CF3    string `json:"authCf3,omitempty"`    // free extra fields
	Token  string `json:"token,omitempty"`      // a token id (GenerateToken) that makes the link expire
}

// URLOption sets an option of NewURLBuilder or InspectURL.
type URLOption func(*urlOptions)

type urlOptions struct{ scheme, lang, baseURL string }

// WithScheme sets the encryption scheme: "ecb" (the default), "gcm", "cbc" or a variant id.
func WithScheme(scheme string) URLOption { return func(o *urlOptions) { o.scheme = scheme } }

// WithLang adds &lang=<lang> to every link (the hosted page's language, such as "ko" or "en").
func WithLang(lang string) URLOption { return func(o *urlOptions) { o.lang = lang } }

// WithBaseURL points links at another host than https://form.argosidentity.com: a staging form
// or the simulator (faceauthtest). A trailing '/' is dropped; a path is kept.
func WithBaseURL(baseURL string) URLOption { return func(o *urlOptions) { o.baseURL = baseURL } }

func collect(opts []URLOption) urlOptions {
	o := urlOptions{scheme: "ecb"}
	for _, opt := range opts {
		opt(&o)
	}
	if o.scheme == "" {
		o.scheme = "ecb"
	}
	return o
}

// URLBuilder makes the FaceAuth links of one project. It is immutable once made and safe for
// concurrent use; Close frees it (and wipes the key inside the library).
type URLBuilder struct {
	h    *capi.URLBuilder
	pid  string
	opts urlOptions
}

// NewURLBuilder makes the builder of project projectID (its pid) with its API key. The key is
// copied into the library; this package keeps no copy.
//
// Errors: ErrInvalidArgument (an empty project id, a malformed lang or base URL), ErrInvalidKey,
// ErrUnknownVariant, ErrInvalidUTF8.
func NewURLBuilder(projectID, apiKey string, opts ...URLOption) (*URLBuilder, error) {
	o := collect(opts)
	h, err := capi.NewURLBuilder(projectID, apiKey, o.scheme, o.lang, o.baseURL)
	if err != nil {
		return nil, wrapC(err)
	}
	return &URLBuilder{h: h, pid: projectID, opts: o}, nil
}

// Build makes one link: <base>/face-auth?pid=<pid>&encrypted=<ciphertext>[&lang=…].
//
// Errors: ErrInvalidArgument (an empty SID, a control character), ErrInvalidToken,
// ErrInvalidUTF8, ErrRandomSource (CBC, GCM).
func (b *URLBuilder) Build(p AuthParams) (string, error) {
	u, err := b.h.Build(capi.Params{SID: p.SID, UserID: p.UserID, CF1: p.CF1, CF2: p.CF2, CF3: p.CF3, Token: p.Token})
	return u, wrap(err)
}

// Close frees the builder. It is idempotent and waits for calls in progress; later calls fail
// with ErrClosed.
func (b *URLBuilder) Close() error {
	b.h.Close()
	return nil
}

// Inspection is a link taken apart: what travels in clear and the decrypted parameters (the
// JSON `faceauth inspect` prints).
type Inspection struct {
	BaseURL string     `json:"base_url"`       // the link's scheme, host and path before the query
	PID     string     `json:"pid"`            // the project id
	Lang    string     `json:"lang,omitempty"` // "" when the link has none
	Variant string     `json:"variant"`        // the encryption variant, e.g. "ecb-sha256"
	Params  AuthParams `json:"params"`         // the decrypted parameters
	// UnknownFields are the payload's other keys, each value exactly as sent.
	UnknownFields map[string]json.RawMessage `json:"unknown_fields"`
	// How the ciphertext text was read: percent-decoded, '+' read as spaces, white space removed.
	PercentDecoded    bool `json:"percent_decoded"`
	SpacesAsPlus      bool `json:"spaces_as_plus"`     // '+' read as spaces
	WhitespaceRemoved bool `json:"whitespace_removed"` // white space removed
}

// InspectURL takes a FaceAuth link (or its query string) apart and decrypts it with apiKey
// (WithScheme if not ECB; other options are ignored). For many links, make a Cipher and use
// Cipher.InspectURL.
//
// Errors: ErrInvalidURL, ErrBadPadding or ErrTagMismatch (wrong key or scheme), the other
// decryption errors, ErrInvalidPayload, ErrInvalidKey, ErrUnknownVariant.
func InspectURL(url, apiKey string, opts ...URLOption) (*Inspection, error) {
	c, err := NewCipher(apiKey, collect(opts).scheme)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.InspectURL(url)
}

// decode reads JSON the library produced into a T.
func decode[T any](js string) (*T, error) {
	var v T
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		return nil, fmt.Errorf("faceauth: decoding the library's JSON: %w", err)
	}
	return &v, nil
}
