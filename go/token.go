package faceauth

import "github.com/faceauth/faceauth/go/internal/capi"

// GenerateToken makes a fresh token id ("tok_" and 26 base32 characters: 128 random bits from the
// OS) for AuthParams.Token. Errors: ErrRandomSource.
func GenerateToken() (string, error) {
	t, err := capi.TokenGenerate()
	return t, wrapC(err)
}

// ValidateToken checks a token id against the rule (8–64 of [A-Za-z0-9._-], a letter or digit
// at both ends). Errors: ErrInvalidToken (the message says which rule it breaks),
// ErrInvalidUTF8, ErrInvalidArgument (a NUL byte).
func ValidateToken(id string) error { return wrapC(capi.TokenValidate(id)) }
