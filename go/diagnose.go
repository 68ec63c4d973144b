package faceauth

import "github.com/faceauth/faceauth/go/internal/capi"

// Diagnosis is what Diagnose found: which encryption variants decrypt a ciphertext with a key.
type Diagnosis struct {
	// Best is the most convincing variant id (a verified GCM tag, then JSON, then any text),
	// or "" when none decrypts: give it to NewCipher as the scheme.
	Best string `json:"best"`
	// How the text was read: percent-decoded, spaces read as '+', white space removed.
	PercentDecoded    bool `json:"percent_decoded"`
	SpacesAsPlus      bool `json:"spaces_as_plus"`     // '+' read as spaces
	WhitespaceRemoved bool `json:"whitespace_removed"` // white space removed
	// Variants holds every variant's try, in the spec's table order.
	Variants []VariantOutcome `json:"variants"`
}

// VariantOutcome is what one variant made of the ciphertext: OK with the plaintext, or the
// error kind ("bad_padding", "tag_mismatch", …) and its message.
type VariantOutcome struct {
	Variant       string `json:"variant"`                 // the variant id, such as "ecb-sha256"
	OK            bool   `json:"ok"`                      // the variant decrypted the text
	Plaintext     string `json:"plaintext,omitempty"`     // the decrypted text, when OK
	JSON          bool   `json:"json,omitempty"`          // the plaintext parses as JSON
	Authenticated bool   `json:"authenticated,omitempty"` // a GCM tag verified: certainly this variant
	Error         string `json:"error,omitempty"`         // when not OK: the error kind
	Message       string `json:"message,omitempty"`       // when not OK: the error's message
}

// Diagnose tries every encryption variant on ciphertext with apiKey and reports which decrypt
// it: use it when a ciphertext (from Argos's Encryption Tool, an old link) will not decrypt.
// The text is read leniently (white space, %2B escapes, spaces for '+'). No match is not an
// error: Best is "". The key is not kept.
//
// Errors: ErrEmptyCiphertext, ErrInvalidEncoding (neither base64 nor hex), ErrInvalidUTF8,
// ErrInvalidArgument (a NUL byte in an argument).
func Diagnose(ciphertext, apiKey string) (*Diagnosis, error) {
	js, err := capi.CryptoDiagnose(ciphertext, apiKey)
	if err != nil {
		return nil, wrapC(err)
	}
	return decode[Diagnosis](js)
}
