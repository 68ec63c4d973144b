package faceauth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/faceauth/faceauth/go"
)

// outcome is the try of variant in d, failing the test when d has none.
func outcome(t *testing.T, d *faceauth.Diagnosis, variant string) faceauth.VariantOutcome {
	t.Helper()
	for _, o := range d.Variants {
		if o.Variant == variant {
			return o
		}
	}
	t.Fatalf("no outcome for %s in %+v", variant, d)
	return faceauth.VariantOutcome{}
}

func TestDiagnoseFindsTheVariantOfEveryVector(t *testing.T) {
	for _, v := range vectors(t) {
		d, err := faceauth.Diagnose(v.GCM, v.Key)
		if err != nil || d.Best != "gcm-nonce-ct-tag" || len(d.Variants) != 10 {
			t.Fatalf("gcm %q: %+v, %v", v.Plaintext, d, err)
		}
		if o := outcome(t, d, "gcm-nonce-ct-tag"); !o.OK || !o.Authenticated || o.Plaintext != v.Plaintext {
			t.Errorf("gcm %q: %+v", v.Plaintext, o)
		}
		for variant, text := range map[string]string{"ecb-sha256": v.ECB, "cbc-ivprefix": v.CBC} {
			d, err := faceauth.Diagnose(text, v.Key)
			if err != nil {
				t.Fatalf("%s %q: %v", variant, v.Plaintext, err)
			}
			if o := outcome(t, d, variant); !o.OK || o.Authenticated || o.Plaintext != v.Plaintext {
				t.Errorf("%s %q: %+v", variant, v.Plaintext, o)
			}
		}
	}
}

func TestDiagnoseReadsTextCopiedFromAURL(t *testing.T) {
	const key = "0123456789abcdefghijABCDEFGHIJ0123456789"
	c := mustCipher(t, key, "ecb-raw32")
	sealed, err := c.Encrypt(`{"sid":"s2"}`)
	if err != nil {
		t.Fatal(err)
	}
	escaped := strings.ReplaceAll(sealed, "+", "%2B")
	d, err := faceauth.Diagnose(escaped, key)
	if err != nil || d.Best != "ecb-raw32" || d.PercentDecoded != strings.Contains(sealed, "+") {
		t.Fatalf("%+v, %v", d, err)
	}
	if o := outcome(t, d, "ecb-raw32"); !o.OK || !o.JSON || o.Plaintext != `{"sid":"s2"}` {
		t.Errorf("%+v", o)
	}
}

func TestDiagnoseWithAnotherKeyIsAReportWithNoBest(t *testing.T) {
	v := vectors(t)[0]
	d, err := faceauth.Diagnose(v.GCM, "another-key-entirely-0123456789")
	if err != nil || d.Best != "" {
		t.Fatalf("%+v, %v", d, err)
	}
	if o := outcome(t, d, "gcm-nonce-ct-tag"); o.OK || o.Error != "tag_mismatch" || o.Message == "" {
		t.Errorf("%+v", o)
	}
}

func TestDiagnoseRefusesWhatIsNoCiphertext(t *testing.T) {
	const key = "0123456789abcdefghijABCDEFGHIJ0123456789"
	for _, tc := range []struct {
		name, text, key string
		want            error
	}{
		{"blank", "  ", key, faceauth.ErrEmptyCiphertext},
		{"json", `{"json": true}`, key, faceauth.ErrInvalidEncoding},
		{"invalid utf-8", "\xff\xfe", key, faceauth.ErrInvalidUTF8},
		{"NUL in the key", "abcd", key + "\x00x", faceauth.ErrInvalidArgument},
	} {
		d, err := faceauth.Diagnose(tc.text, tc.key)
		if d != nil || !errors.Is(err, tc.want) {
			t.Errorf("%s: %+v, %v; want %v", tc.name, d, err, tc.want)
		} else if strings.Contains(err.Error(), key) {
			t.Errorf("%s: the key leaked: %v", tc.name, err)
		}
	}
}
