package faceauth

import (
	"fmt"
	"io"
	"strings"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// How the package's values print. Every type that holds a key, a URL or a ledger location
// implements fmt.Formatter (and GoStringer), so no verb (%v, %+v, %#v, %s, %q, %x, %d…) reaches
// a key, and URLs and locations show with their credentials replaced by <redacted>. The rule
// of what is a credential is the library's one rule (faceauth_url_redact_credentials), not a
// copy of it here.

// redacted is text with every credential in it (a URL's user:password@, a password=… value)
// replaced by <redacted>; all of it when the library cannot read it (a NUL byte, bad UTF-8).
func redacted(text string) string {
	shown, err := capi.RedactCredentials(text)
	if err != nil {
		return "<redacted>"
	}
	return shown
}

// formatCopy prints v, a method-less copy of a public struct whose URLs are already redacted,
// as f and verb ask; %#v names the public type rather than the copy's.
func formatCopy(f fmt.State, verb rune, v any, copyName, name string) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), v)
	if verb == 'v' && f.Flag('#') {
		s = strings.Replace(s, "faceauth."+copyName, "faceauth."+name, 1)
	}
	_, _ = io.WriteString(f, s)
}

// String describes the client: its base URL and proxy without credentials, never its key.
func (c *Client) String() string {
	s := fmt.Sprintf("faceauth.Client{base_url: %q, timeout: %v, max_retries: %d", redacted(c.opts.BaseURL), c.opts.Timeout, c.opts.MaxRetries)
	if c.opts.Proxy != "" {
		s += fmt.Sprintf(", proxy: %q", c.opts.Proxy) // redacted by NewClient
	}
	return s + "}"
}

// GoString is String.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb.
func (c *Client) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// String describes the builder: its base URL without credentials, never its key.
func (b *URLBuilder) String() string {
	return fmt.Sprintf("faceauth.URLBuilder{pid: %q, scheme: %q, lang: %q, base_url: %q}",
		b.pid, b.opts.scheme, b.opts.lang, redacted(b.opts.baseURL))
}

// GoString is String.
func (b *URLBuilder) GoString() string { return b.String() }

// Format prints String for every verb.
func (b *URLBuilder) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, b.String()) }

// String describes the ledger: its location, a PostgreSQL password replaced by <redacted>.
func (l *Ledger) String() string {
	return fmt.Sprintf("faceauth.Ledger{location: %q}", redacted(l.location))
}

// GoString is String.
func (l *Ledger) GoString() string { return l.String() }

// Format prints String for every verb.
func (l *Ledger) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, l.String()) }

type plainClientOptions ClientOptions

func (o ClientOptions) shown() plainClientOptions {
	p := plainClientOptions(o)
	p.BaseURL = redacted(p.BaseURL)
	if p.Proxy != "" {
		p.Proxy = redacted(p.Proxy)
	}
	return p
}

// String prints the options as %+v does, BaseURL and Proxy without credentials.
func (o ClientOptions) String() string { return fmt.Sprintf("%+v", o.shown()) }

// GoString prints the options as %#v does, BaseURL and Proxy without credentials.
func (o ClientOptions) GoString() string { return fmt.Sprintf("%#v", o) }

// Format prints the options as for a plain struct, BaseURL and Proxy without credentials.
func (o ClientOptions) Format(f fmt.State, verb rune) {
	formatCopy(f, verb, o.shown(), "plainClientOptions", "ClientOptions")
}

type plainInspection Inspection

func (r Inspection) shown() plainInspection {
	p := plainInspection(r)
	p.BaseURL = redacted(p.BaseURL)
	return p
}

// String prints the report as %+v does, BaseURL without credentials.
func (r Inspection) String() string { return fmt.Sprintf("%+v", r.shown()) }

// GoString prints the report as %#v does, BaseURL without credentials.
func (r Inspection) GoString() string { return fmt.Sprintf("%#v", r) }

// Format prints the report as for a plain struct, BaseURL without credentials.
func (r Inspection) Format(f fmt.State, verb rune) {
	formatCopy(f, verb, r.shown(), "plainInspection", "Inspection")
}

type plainLink IssuedLink

func (l IssuedLink) shown() plainLink {
	p := plainLink(l)
	p.URL = redacted(p.URL)
	return p
}

// String prints the link as %+v does, without any credentials of its base URL.
func (l IssuedLink) String() string { return fmt.Sprintf("%+v", l.shown()) }

// GoString prints the link as %#v does, without any credentials of its base URL.
func (l IssuedLink) GoString() string { return fmt.Sprintf("%#v", l) }

// Format prints the link as for a plain struct, without any credentials of its base URL.
func (l IssuedLink) Format(f fmt.State, verb rune) {
	formatCopy(f, verb, l.shown(), "plainLink", "IssuedLink")
}
