package faceauth

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/faceauth/faceauth/go/internal/capi"
	"github.com/faceauth/faceauth/go/internal/statusgen"
)

// Every FACEAUTH_STATUS_* of the header has a sentinel with its code, named as
// faceauth_status_str names it, and statuses.go is what the generator writes today.
func TestStatusesFollowTheHeader(t *testing.T) {
	header, err := os.ReadFile(filepath.Join("..", "include", "faceauth.h"))
	if err != nil {
		t.Fatal(err)
	}
	statuses, err := statusgen.Parse(string(header))
	if err != nil {
		t.Fatal(err)
	}
	if len(statuses) < 38 {
		t.Fatalf("read only %d statuses from the header", len(statuses))
	}
	seen := map[int]bool{}
	for _, st := range statuses {
		if st.Code == 0 {
			continue
		}
		seen[st.Code] = true
		s, ok := byCode[st.Code]
		if !ok {
			t.Errorf("FACEAUTH_STATUS_%s (%d) has no sentinel: go generate", st.Name, st.Code)
			continue
		}
		if name := capi.StatusName(st.Code); s.Kind != name || st.Kind() != name {
			t.Errorf("FACEAUTH_STATUS_%s: sentinel kind %q, faceauth_status_str %q", st.Name, s.Kind, name)
		}
	}
	for _, s := range sentinels {
		if !seen[s.Code] {
			t.Errorf("sentinel %s (%d) is no status of the header", s.Kind, s.Code)
		}
	}
	want, err := statusgen.Generate(string(header))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile("statuses.go"); !bytes.Equal(got, want) {
		t.Error("statuses.go is stale: run go generate in go/")
	}
	if len(Sentinels()) != len(seen) {
		t.Errorf("Sentinels() has %d, the header %d", len(Sentinels()), len(seen))
	}
}

func TestHeaderAndLibraryVersionsAgree(t *testing.T) {
	major, minor, patch := capi.HeaderVersion()
	if want := fmt.Sprintf("%d.%d.%d", major, minor, patch); Version() != want {
		t.Fatalf("library %s, header %s", Version(), want)
	}
}

func TestErrorIsAsAndFormat(t *testing.T) {
	e := &Error{Kind: "api_ip_not_allowed", Code: 301, Message: "ip not allowed", HTTPStatus: 403}
	var err error = fmt.Errorf("calling: %w", e)
	if !errors.Is(err, ErrIPNotAllowed) || errors.Is(err, ErrAuthentication) {
		t.Fatal("errors.Is compares codes")
	}
	var fe *Error
	if !errors.As(err, &fe) || fe.HTTPStatus != 403 {
		t.Fatal("errors.As")
	}
	if got := e.Error(); got != "faceauth: api_ip_not_allowed: ip not allowed (HTTP 403)" {
		t.Fatal(got)
	}
	if kindOf(12345) != "unknown" {
		t.Fatal(kindOf(12345))
	}
	if wrap(nil) != nil || wrapC(nil) != nil {
		t.Fatal("nil errors stay nil")
	}
	if !errors.Is(wrap(capi.ErrClosed), ErrClosed) {
		t.Fatal("ErrClosed")
	}
}
