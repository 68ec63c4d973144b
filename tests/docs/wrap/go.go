// tests/docs/check_blocks.py: every ```go block of README.md and docs/ is the body of example(),
// with the names the snippets use without defining them as its parameters; go vet checks it.
package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

var (
	_ = context.Background
	_ = errors.Is
	_ = fmt.Sprint
	_ = time.Second
	_ = faceauthtest.StartSimulator
)

func example(ctx context.Context, t testing.TB, apiKey string, body []byte, webhookCipher *faceauth.Cipher, authID string) error {
{{BLOCK}}
	return nil
}

func main() { _ = example }
