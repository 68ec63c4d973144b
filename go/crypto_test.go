package faceauth_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/faceauth/faceauth/go"
)

type vector struct {
	Key       string `json:"key"`
	Plaintext string `json:"plaintext"`
	ECB       string `json:"ecb"`
	CBC       string `json:"cbc"`
	CBCIV     string `json:"cbc_iv_hex"`
	GCM       string `json:"gcm"`
	GCMNonce  string `json:"gcm_nonce_hex"`
}

// vectors reads tests/fixtures/crypto.json: the shared vectors, made with Python's
// `cryptography` (core/tests/vectors.rs checks the same file).
func vectors(t *testing.T) []vector {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "tests", "fixtures", "crypto.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []vector }
	if err := json.Unmarshal(text, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 30 {
		t.Fatalf("expected the full vector set, found %d", len(doc.Cases))
	}
	return doc.Cases
}

func mustCipher(t testing.TB, key, scheme string) *faceauth.Cipher {
	t.Helper()
	c, err := faceauth.NewCipher(key, scheme)
	if err != nil {
		t.Fatalf("NewCipher(%s): %v", scheme, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestVectorsECBByteForByte(t *testing.T) {
	for _, v := range vectors(t) {
		c := mustCipher(t, v.Key, "ecb")
		got, err := c.Encrypt(v.Plaintext)
		if err != nil || got != v.ECB {
			t.Errorf("ecb %q: got %q, %v; want %q", v.Plaintext, got, err, v.ECB)
		}
		plain, err := c.Decrypt(v.ECB)
		if err != nil || plain != v.Plaintext {
			t.Errorf("ecb decrypt: got %q, %v", plain, err)
		}
		// The pure-Go recipe agrees too (the benchmark's baseline is the same recipe).
		if pure := ecbEncrypt(pureKey(v.Key), []byte(v.Plaintext)); pure != v.ECB {
			t.Errorf("pure-Go ecb %q: %q", v.Plaintext, pure)
		}
	}
}

// The ABI draws CBC IVs and GCM nonces itself, so the vectors' ciphertexts are checked by
// decryption, and fresh encryptions by the pure-Go recipe: the library's output opens with the
// standard library, with the IV or nonce it carries in front.
func TestVectorsCBCAndGCM(t *testing.T) {
	for _, v := range vectors(t) {
		for _, tc := range []struct{ scheme, ct, iv string }{{"cbc", v.CBC, v.CBCIV}, {"gcm", v.GCM, v.GCMNonce}} {
			c := mustCipher(t, v.Key, tc.scheme)
			plain, err := c.Decrypt(tc.ct)
			if err != nil || plain != v.Plaintext {
				t.Errorf("%s decrypt %q: got %q, %v", tc.scheme, tc.ct, plain, err)
			}
			raw, _ := base64.StdEncoding.DecodeString(tc.ct)
			if iv, _ := hex.DecodeString(tc.iv); !bytes.HasPrefix(raw, iv) {
				t.Errorf("%s: the vector does not start with its IV", tc.scheme)
			}
			a, err1 := c.Encrypt(v.Plaintext)
			b, err2 := c.Encrypt(v.Plaintext)
			if err1 != nil || err2 != nil || a == b {
				t.Errorf("%s: two encryptions %q, %q (%v, %v): want two different ciphertexts", tc.scheme, a, b, err1, err2)
			}
			var opened []byte
			if tc.scheme == "cbc" {
				_, opened = pureCBCDecrypt(v.Key, a)
			} else {
				_, opened, err = pureGCMOpen(v.Key, a)
			}
			if err != nil || string(opened) != v.Plaintext {
				t.Errorf("%s: the standard library opens the library's ciphertext as %q, %v", tc.scheme, opened, err)
			}
		}
	}
}

func TestSpecReferenceCase(t *testing.T) {
	c := mustCipher(t, "0123456789abcdefghijABCDEFGHIJ0123456789", "ecb")
	got, err := c.Encrypt(`{"sid":"abc123xyz","authUserId":"user-1","token":"tok_abc12345"}`)
	want := "Xvg7uxPli/O9VuUW0jaEfCW8iRefWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8="
	if err != nil || got != want {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestBytesRoundTripAndNUL(t *testing.T) {
	c := mustCipher(t, "bytes-key-0123456789", "gcm")
	data := []byte{0, 1, 2, 0xff, 0, 'a'}
	ct, err := c.EncryptBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.DecryptBytes(ct)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("DecryptBytes: %v, %v", got, err)
	}
	// Text holding a NUL cannot come back as a C string: ErrNulInOutput, from the library.
	ct, _ = c.Encrypt("a\x00b")
	if _, err := c.Decrypt(ct); !reached(err, faceauth.ErrNulInOutput) {
		t.Fatalf("Decrypt of NUL text: %v", err)
	}
	// Not UTF-8.
	ct, _ = c.EncryptBytes([]byte{0xff, 0xfe})
	if _, err := c.Decrypt(ct); !reached(err, faceauth.ErrNotUTF8) {
		t.Fatalf("Decrypt of non-UTF-8: %v", err)
	}
	// Empty round trip.
	ct, err = c.EncryptBytes(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.DecryptBytes(ct); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v, %v", got, err)
	}
	if c.Scheme() != "gcm" {
		t.Fatal(c.Scheme())
	}
}

// errCase is a call that must fail with a kind.
type errCase struct {
	name string
	run  func() error
	want *faceauth.Error
}

// checkErrors runs each case: the error must match its sentinel (errors.Is), be an *Error
// (errors.As) of that kind, and carry the library's message.
func checkErrors(t *testing.T, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		err := tc.run()
		var fe *faceauth.Error
		if !reached(err, tc.want) || !errors.As(err, &fe) || fe.Kind != tc.want.Kind || fe.Message == "" {
			t.Errorf("%s: got %#v (%v), want %s", tc.name, err, err, tc.want.Kind)
		}
	}
}

func TestCipherErrors(t *testing.T) {
	cases := []errCase{
		{"empty key", func() error { _, err := faceauth.NewCipher("", "ecb"); return err }, faceauth.ErrInvalidKey},
		{"key with space", func() error { _, err := faceauth.NewCipher(" key", "ecb"); return err }, faceauth.ErrInvalidKey},
		{"unknown scheme", func() error { _, err := faceauth.NewCipher("key-123", "rot13"); return err }, faceauth.ErrUnknownVariant},
		{"NUL in key", func() error { _, err := faceauth.NewCipher("ke\x00y", "ecb"); return err }, faceauth.ErrInvalidArgument},
		{"invalid UTF-8 key", func() error { _, err := faceauth.NewCipher("ke\xffy", "ecb"); return err }, faceauth.ErrInvalidUTF8},
	}
	c := mustCipher(t, "another-key-0123456789", "ecb")
	g := mustCipher(t, "another-key-0123456789", "gcm")
	wrong := mustCipher(t, "the-wrong-key-0123456789", "ecb")
	good, _ := c.Encrypt(`{"sid":"x"}`)
	gcmText, _ := g.Encrypt(`{"sid":"x"}`)
	decrypt := func(c *faceauth.Cipher, s string) func() error {
		return func() error { _, err := c.Decrypt(s); return err }
	}
	cases = append(cases,
		errCase{"empty ciphertext", decrypt(c, ""), faceauth.ErrEmptyCiphertext},
		errCase{"not base64", decrypt(c, "!!!!"), faceauth.ErrInvalidEncoding},
		errCase{"not whole blocks", decrypt(c, base64.StdEncoding.EncodeToString(make([]byte, 17))), faceauth.ErrInvalidLength},
		errCase{"too short", decrypt(g, base64.StdEncoding.EncodeToString(make([]byte, 8))), faceauth.ErrTooShort},
		errCase{"wrong key", decrypt(wrong, good), faceauth.ErrBadPadding},
		errCase{"altered GCM", decrypt(mustCipher(t, "the-wrong-key-0123456789", "gcm"), gcmText), faceauth.ErrTagMismatch},
	)
	checkErrors(t, cases)
}
