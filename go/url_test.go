package faceauth_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/faceauth/faceauth/go"
)

const demoKey = "0123456789abcdefghijABCDEFGHIJ0123456789"

func mustBuilder(t testing.TB, pid, key string, opts ...faceauth.URLOption) *faceauth.URLBuilder {
	t.Helper()
	b, err := faceauth.NewURLBuilder(pid, key, opts...)
	if err != nil {
		t.Fatalf("NewURLBuilder: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// The README's link, byte for byte, and the pure-Go recipe gives the same links.
func TestBuildMatchesTheSpecAndPureGo(t *testing.T) {
	b := mustBuilder(t, "demo-project", demoKey)
	got, err := b.Build(faceauth.AuthParams{SID: "abc123xyz", UserID: "user-1", Token: "tok_abc12345"})
	want := "https://form.argosidentity.com/face-auth?pid=demo-project&encrypted=Xvg7uxPli%2FO9VuUW0jaEfCW8iRefWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8%3D"
	if err != nil || got != want {
		t.Fatalf("got %q, %v", got, err)
	}
	withLang := mustBuilder(t, "p 1", demoKey, faceauth.WithLang("en"), faceauth.WithBaseURL("http://127.0.0.1:9/x/"))
	pure := newPureBuilder("http://127.0.0.1:9/x", "p 1", demoKey, "en")
	for _, p := range []faceauth.AuthParams{
		{SID: "s"},
		{SID: "sub_1", UserID: "user-1", CF1: "a", CF2: "b b", CF3: "한국", Token: "tok_12345678"},
		{SID: strings.Repeat("x", 100), CF2: `quote " and \ slash`},
	} {
		got, err := withLang.Build(p)
		if err != nil || got != pure.build(p) {
			t.Errorf("%+v:\n got  %s (%v)\n pure %s", p, got, err, pure.build(p))
		}
	}
}

func TestInspectRoundTrip(t *testing.T) {
	for _, scheme := range []string{"ecb", "cbc", "gcm"} {
		b := mustBuilder(t, "demo-project", demoKey, faceauth.WithScheme(scheme), faceauth.WithLang("ko"))
		p := faceauth.AuthParams{SID: "sub_1", UserID: "u", CF1: "1", CF2: "2", CF3: "3", Token: "tok_abcdefgh"}
		u, err := b.Build(p)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := faceauth.InspectURL(u, demoKey, faceauth.WithScheme(scheme))
		if err != nil {
			t.Fatalf("%s: %v", scheme, err)
		}
		if rep.Params != p || rep.PID != "demo-project" || rep.Lang != "ko" ||
			rep.BaseURL != "https://form.argosidentity.com" || !strings.HasPrefix(rep.Variant, scheme) ||
			len(rep.UnknownFields) != 0 || rep.SpacesAsPlus || rep.WhitespaceRemoved {
			t.Errorf("%s: %+v", scheme, rep)
		}
	}
}

// Unknown payload keys come back exactly as sent (big numbers keep every digit), and the
// normalisation flags say how the text was read.
func TestInspectUnknownFieldsAndFlags(t *testing.T) {
	c := mustCipher(t, demoKey, "ecb")
	ct, err := c.Encrypt(`{"sid":"s1","extra":12345678901234567890123,"obj":{"a":[1,2]}}`)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.InspectURL("pid=p&encrypted=" + strings.ReplaceAll(ct, "+", " "))
	if err != nil {
		t.Fatal(err)
	}
	if string(rep.UnknownFields["extra"]) != "12345678901234567890123" || string(rep.UnknownFields["obj"]) != `{"a":[1,2]}` {
		t.Errorf("unknown fields: %s", mustJSON(rep.UnknownFields))
	}
	if rep.Params.SID != "s1" || rep.Lang != "" {
		t.Errorf("%+v", rep)
	}
	if strings.Contains(ct, "+") && !rep.SpacesAsPlus {
		t.Errorf("spaces_as_plus not set: %+v", rep)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestURLErrors(t *testing.T) {
	b := mustBuilder(t, "demo-project", demoKey)
	c := mustCipher(t, demoKey, "ecb")
	other := mustCipher(t, "some-other-key-0123456789", "ecb")
	u, _ := b.Build(faceauth.AuthParams{SID: "s"})
	notPayload, _ := c.Encrypt(`["not","an","object"]`)
	build := func(p faceauth.AuthParams) func() error {
		return func() error { _, err := b.Build(p); return err }
	}
	newB := func(pid, key string, opts ...faceauth.URLOption) func() error {
		return func() error { _, err := faceauth.NewURLBuilder(pid, key, opts...); return err }
	}
	inspect := func(c *faceauth.Cipher, u string) func() error {
		return func() error { _, err := c.InspectURL(u); return err }
	}
	checkErrors(t, []errCase{
		{"empty sid", build(faceauth.AuthParams{}), faceauth.ErrInvalidArgument},
		{"control character", build(faceauth.AuthParams{SID: "a\nb"}), faceauth.ErrInvalidArgument},
		{"NUL byte", build(faceauth.AuthParams{SID: "a", CF1: "x\x00y"}), faceauth.ErrInvalidArgument},
		{"bad token", build(faceauth.AuthParams{SID: "a", Token: "short"}), faceauth.ErrInvalidToken},
		{"invalid UTF-8", build(faceauth.AuthParams{SID: "a\xff"}), faceauth.ErrInvalidUTF8},
		{"empty pid", newB("", demoKey), faceauth.ErrInvalidArgument},
		{"empty key", newB("p", ""), faceauth.ErrInvalidKey},
		{"bad scheme", newB("p", demoKey, faceauth.WithScheme("nope")), faceauth.ErrUnknownVariant},
		{"bad lang", newB("p", demoKey, faceauth.WithLang("e n")), faceauth.ErrInvalidArgument},
		{"bad base", newB("p", demoKey, faceauth.WithBaseURL("ftp://x")), faceauth.ErrInvalidArgument},
		{"not a link", inspect(c, "https://example.com/"), faceauth.ErrInvalidURL},
		{"wrong key", inspect(other, u), faceauth.ErrBadPadding},
		{"not the payload", inspect(c, "pid=p&encrypted="+notPayload), faceauth.ErrInvalidPayload},
		{"InspectURL bad key", func() error { _, err := faceauth.InspectURL(u, ""); return err }, faceauth.ErrInvalidKey},
	})
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, err := faceauth.GenerateToken()
		if err != nil || !strings.HasPrefix(tok, "tok_") || len(tok) != 30 || seen[tok] {
			t.Fatalf("GenerateToken: %q, %v", tok, err)
		}
		seen[tok] = true
		if err := faceauth.ValidateToken(tok); err != nil {
			t.Fatal(err)
		}
	}
	checkErrors(t, []errCase{
		{"short", func() error { return faceauth.ValidateToken("abc") }, faceauth.ErrInvalidToken},
		{"bad end", func() error { return faceauth.ValidateToken("abcdefgh-") }, faceauth.ErrInvalidToken},
		{"not UTF-8", func() error { return faceauth.ValidateToken("abcdefgh\xff") }, faceauth.ErrInvalidUTF8},
		{"NUL", func() error { return faceauth.ValidateToken("abcd\x00efgh") }, faceauth.ErrInvalidArgument},
	})
}

// Every method after Close fails with ErrClosed; Close twice is fine.
func TestUseAfterClose(t *testing.T) {
	b, _ := faceauth.NewURLBuilder("p", demoKey)
	c, _ := faceauth.NewCipher(demoKey, "ecb")
	cl, _ := faceauth.NewClient(demoKey, faceauth.ClientOptions{BaseURL: "http://127.0.0.1:9"})
	for range 2 {
		b.Close()
		c.Close()
		cl.Close()
	}
	_, e1 := b.Build(faceauth.AuthParams{SID: "s"})
	_, e2 := c.Encrypt("x")
	_, e3 := c.Decrypt("x")
	_, e4 := c.InspectURL("pid=p&encrypted=x")
	_, e5 := faceauth.ParseWebhook([]byte(`{}`), c)
	_, e6 := cl.Get(t.Context(), "fa_1")
	e7 := cl.Delete(t.Context(), "fa_1")
	for i, err := range []error{e1, e2, e3, e4, e5, e6, e7} {
		if !errors.Is(err, faceauth.ErrClosed) {
			t.Errorf("call %d after Close: %v", i+1, err)
		}
	}
	for _, err := range cl.List(t.Context(), faceauth.ListQuery{}) {
		if !errors.Is(err, faceauth.ErrClosed) {
			t.Errorf("List after Close: %v", err)
		}
	}
}
