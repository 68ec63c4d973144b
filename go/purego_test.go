package faceauth_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/faceauth/faceauth/go"
)

// pureBuilder is the link recipe in pure Go, the baseline of BenchmarkBuild and an independent
// check of the library: key = SHA-256(API key); payload = the AuthParams JSON; AES-256-ECB with
// PKCS7, block by block with crypto/aes; standard base64; url.QueryEscape. Like URLBuilder, it
// derives the key and the AES schedule once.
type pureBuilder struct {
	block cipher.Block
	head  string // <base>/face-auth?pid=<pid>&encrypted=
	tail  string // &lang=… or ""
}

func newPureBuilder(base, pid, apiKey, lang string) *pureBuilder {
	key := sha256.Sum256([]byte(apiKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err)
	}
	tail := ""
	if lang != "" {
		tail = "&lang=" + url.QueryEscape(lang)
	}
	// The library writes a space in the pid as %20.
	pidText := strings.ReplaceAll(url.QueryEscape(pid), "+", "%20")
	return &pureBuilder{block: block, head: base + "/face-auth?pid=" + pidText + "&encrypted=", tail: tail}
}

func (b *pureBuilder) build(p faceauth.AuthParams) string {
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		panic(err)
	}
	plain := bytes.TrimSuffix(js.Bytes(), []byte("\n"))
	return b.head + url.QueryEscape(ecbEncrypt(b.block, plain)) + b.tail
}

// ecbEncrypt is base64(AES-ECB(PKCS7(plain))).
func ecbEncrypt(block cipher.Block, plain []byte) string {
	n := aes.BlockSize - len(plain)%aes.BlockSize
	buf := make([]byte, len(plain)+n)
	copy(buf, plain)
	for i := len(plain); i < len(buf); i++ {
		buf[i] = byte(n)
	}
	for i := 0; i < len(buf); i += aes.BlockSize {
		block.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// pureKey is the recipe's key: SHA-256 of the key string.
func pureKey(apiKey string) cipher.Block {
	key := sha256.Sum256([]byte(apiKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err)
	}
	return block
}

// unpad removes PKCS7 padding, or returns nil.
func unpad(b []byte) []byte {
	if len(b) == 0 || len(b)%aes.BlockSize != 0 {
		return nil
	}
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || !bytes.Equal(b[len(b)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil
	}
	return b[:len(b)-n]
}

// pureCBCDecrypt is the recipe's CBC: base64(iv16 || AES-CBC(PKCS7(pt))).
func pureCBCDecrypt(apiKey, text string) (iv, plain []byte) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(raw) < 32 {
		return nil, nil
	}
	out := make([]byte, len(raw)-16)
	cipher.NewCBCDecrypter(pureKey(apiKey), raw[:16]).CryptBlocks(out, raw[16:])
	return raw[:16], unpad(out)
}

// pureGCMOpen is the recipe's GCM: base64(nonce12 || ct || tag16), no AAD.
func pureGCMOpen(apiKey, text string) (nonce, plain []byte, err error) {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, nil, err
	}
	gcm, err := cipher.NewGCM(pureKey(apiKey))
	if err != nil {
		return nil, nil, err
	}
	plain, err = gcm.Open(nil, raw[:12], raw[12:], nil)
	return raw[:12], plain, err
}
