package faceauth

import (
	"fmt"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// Cipher encrypts and decrypts with one API key and one scheme. Safe for concurrent use; Close
// frees it (and wipes the key inside the library) once every call has returned.
type Cipher struct {
	h      *capi.Cipher
	scheme string
}

// NewCipher makes the cipher of an API key for a scheme: "ecb" (Argos's default), "gcm", "cbc",
// or a variant id such as "ecb-sha256-hex" (`faceauth diagnose` names it); "" means "ecb".
// The key is copied into the library; this package keeps no copy.
//
// Errors: ErrInvalidKey, ErrUnknownVariant, ErrInvalidUTF8, ErrInvalidArgument.
func NewCipher(apiKey, scheme string) (*Cipher, error) {
	if scheme == "" {
		scheme = "ecb"
	}
	h, err := capi.NewCipher(apiKey, scheme)
	if err != nil {
		return nil, wrapC(err)
	}
	return &Cipher{h: h, scheme: scheme}, nil
}

// Scheme is the scheme the cipher was made with.
func (c *Cipher) Scheme() string { return c.scheme }

// Encrypt encrypts text; the ciphertext is base64 (or what the variant says). CBC and GCM draw a
// fresh IV or nonce each call.
func (c *Cipher) Encrypt(plaintext string) (string, error) {
	s, err := c.h.Encrypt([]byte(plaintext))
	return s, wrap(err)
}

// EncryptBytes encrypts bytes.
func (c *Cipher) EncryptBytes(plaintext []byte) (string, error) {
	s, err := c.h.Encrypt(plaintext)
	return s, wrap(err)
}

// Decrypt decrypts to UTF-8 text. It also takes text copied from a URL (%2B, spaces for '+',
// wrapped base64). Errors: ErrBadPadding or ErrTagMismatch (usually the wrong key or scheme),
// ErrInvalidEncoding, ErrInvalidLength, ErrTooShort, ErrEmptyCiphertext, ErrNotUTF8,
// ErrNulInOutput (use DecryptBytes).
func (c *Cipher) Decrypt(ciphertext string) (string, error) {
	s, err := c.h.Decrypt(ciphertext)
	return s, wrap(err)
}

// DecryptBytes decrypts to bytes, without the UTF-8 check.
func (c *Cipher) DecryptBytes(ciphertext string) ([]byte, error) {
	b, err := c.h.DecryptBytes(ciphertext)
	return b, wrap(err)
}

// InspectURL takes a FaceAuth URL (or its query string) apart and decrypts it with c.
func (c *Cipher) InspectURL(url string) (*Inspection, error) {
	js, err := c.h.InspectURL(url)
	if err != nil {
		return nil, wrap(err)
	}
	return decode[Inspection](js)
}

// Close frees the cipher. It is idempotent and waits for calls in progress; later calls fail
// with ErrClosed.
func (c *Cipher) Close() error {
	c.h.Close()
	return nil
}

// String describes the cipher without its key.
func (c *Cipher) String() string { return "faceauth.Cipher{scheme: " + c.scheme + "}" }

// GoString is String: %#v shows no key either.
func (c *Cipher) GoString() string { return c.String() }

// Format prints String for every verb, so no verb can reach the key.
func (c *Cipher) Format(f fmt.State, verb rune) { fmt.Fprint(f, c.String()) }
