package faceauth_test

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

const (
	fmtKey        = "SECRET-api-key-0123456789abcdefghij"
	fmtURLPass    = "s3cretpw"
	fmtPGPassword = "pg-Pa55word"
)

// The verbs and functions every value is printed with.
var printers = []struct {
	name  string
	print func(v any) string
}{
	{"%v", func(v any) string { return fmt.Sprintf("%v", v) }},
	{"%+v", func(v any) string { return fmt.Sprintf("%+v", v) }},
	{"%#v", func(v any) string { return fmt.Sprintf("%#v", v) }},
	{"%s", func(v any) string { return fmt.Sprintf("%s", v) }},
	{"%q", func(v any) string { return fmt.Sprintf("%q", v) }},
	{"%x", func(v any) string { return fmt.Sprintf("%x", v) }},
	{"%X", func(v any) string { return fmt.Sprintf("%X", v) }},
	{"%d", func(v any) string { return fmt.Sprintf("%d", v) }},
	{"%20.90v", func(v any) string { return fmt.Sprintf("%20.90v", v) }},
	{"Sprint", func(v any) string { return fmt.Sprint(v) }},
	{"Sprintln", func(v any) string { return fmt.Sprintln(v) }},
	{"Sprint slice", func(v any) string { return fmt.Sprint([]any{v}) }},
	{"%+v struct", func(v any) string { return fmt.Sprintf("%+v", struct{ V any }{v}) }},
}

// assertNoSecret fails the test when any printer shows a secret (or its hex) for any value.
func assertNoSecret(t *testing.T, values map[string]any, secrets ...string) {
	t.Helper()
	var needles []string
	for _, s := range secrets {
		needles = append(needles, s, hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))))
	}
	for name, v := range values {
		for _, p := range printers {
			out := p.print(v)
			for _, needle := range needles {
				if strings.Contains(out, needle) {
					t.Errorf("%s printed with %s shows a secret: %s", name, p.name, out)
				}
			}
		}
	}
}

// Every public type that can hold the API key, a URL with user:password@ or a PostgreSQL
// password prints none of them, with any verb.
func TestFormattingHidesKeysURLCredentialsAndPasswords(t *testing.T) {
	sim := faceauthtest.StartSimulator(t, faceauthtest.WithAPIKey(fmtKey))
	sim.AddSubmission("sub_1", "approved")
	withCreds := strings.Replace(sim.URL, "http://", "http://user:"+fmtURLPass+"@", 1)
	opts := faceauth.ClientOptions{BaseURL: withCreds, Timeout: time.Second}
	client := mustClient(t, fmtKey, opts)
	links := mustBuilder(t, sim.ProjectID, fmtKey, faceauth.WithBaseURL(withCreds))
	cipher := mustCipher(t, fmtKey, "ecb")
	link, err := links.Build(faceauth.AuthParams{SID: "sub_1", Token: "tok_abcdefgh"})
	if err != nil {
		t.Fatal(err)
	}
	report, err := cipher.InspectURL(link)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report.BaseURL, fmtURLPass) {
		t.Fatalf("the report's BaseURL field is the link's: %q", report.BaseURL)
	}
	ledger := mustLedger(t, ":memory:")
	issued, err := ledger.IssueURL(links, faceauth.CountRule(), faceauth.AuthParams{SID: "sub_1"})
	if err != nil {
		t.Fatal(err)
	}
	_, apiErr := client.Get(t.Context(), "fa_missing")
	pgLocation := "postgres://faceauth:" + fmtPGPassword + "@127.0.0.1:1/faceauth"
	_, openErr := faceauth.OpenLedger(pgLocation)
	if openErr == nil {
		t.Fatal("nothing listens on port 1")
	}
	_, queryErr := faceauth.OpenLedger("postgres://faceauth@127.0.0.1:1/faceauth?password=" + fmtPGPassword)
	if queryErr == nil {
		t.Fatal("nothing listens on port 1")
	}
	values := map[string]any{
		"*Client": client, "*URLBuilder": links, "*Cipher": cipher, "*Ledger": ledger,
		"ClientOptions": opts, "*ClientOptions": &opts,
		"Inspection": *report, "*Inspection": report,
		"IssuedLink": *issued, "*IssuedLink": issued,
		"Client.Get error": apiErr, "OpenLedger error": openErr, "OpenLedger query error": queryErr,
		"error text": openErr.Error() + apiErr.Error() + queryErr.Error(),
	}
	assertNoSecret(t, values, fmtKey, fmtURLPass, fmtPGPassword)

	// Redaction keeps the rest: where the client points and which fields the report has.
	host := strings.TrimPrefix(sim.URL, "http://")
	for _, shown := range []string{fmt.Sprint(client), fmt.Sprint(links), fmt.Sprintf("%+v", report), fmt.Sprintf("%#v", opts)} {
		if !strings.Contains(shown, "<redacted>@"+host) {
			t.Errorf("want <redacted>@%s in %s", host, shown)
		}
	}
	if got := fmt.Sprintf("%#v", opts); !strings.HasPrefix(got, "faceauth.ClientOptions{BaseURL:") {
		t.Errorf("%%#v: %s", got)
	}
	if got := fmt.Sprintf("%+v", issued); !strings.Contains(got, "Token:"+issued.Token) {
		t.Errorf("%%+v: %s", got)
	}
}

// An open PostgreSQL ledger, on the server FACEAUTH_TEST_POSTGRES names
// (scripts/with-postgres.sh starts one), prints its location without the password.
func TestPostgresLedgerFormattingHidesThePassword(t *testing.T) {
	server := os.Getenv("FACEAUTH_TEST_POSTGRES")
	if server == "" {
		t.Skip("FACEAUTH_TEST_POSTGRES is not set (scripts/with-postgres.sh sets it)")
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	password, ok := u.User.Password()
	if !ok || password == "" {
		t.Fatalf("FACEAUTH_TEST_POSTGRES has no password")
	}
	ledger := mustLedger(t, server)
	assertNoSecret(t, map[string]any{"*Ledger": ledger}, password)
	if got := fmt.Sprint(ledger); !strings.Contains(got, "<redacted>@"+u.Host) {
		t.Errorf("want the host in %s", got)
	}
}
