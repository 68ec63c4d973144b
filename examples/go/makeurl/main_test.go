package main

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faceauth/faceauth/go"
)

const key = "0123456789abcdefghijABCDEFGHIJ0123456789" // the demo key of docs/encryption.md

// Builds the program and runs it as a user would; the link reads back with InspectURL.
func TestMakeURL(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "makeurl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A user's program links libfaceauth.a in: no libfaceauth.so at run time.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	libs, err := f.ImportedLibraries()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, lib := range libs {
		if strings.Contains(lib, "faceauth") {
			t.Fatalf("makeurl needs %s at run time (DT_NEEDED %v)", lib, libs)
		}
	}

	cmd := exec.Command(bin, "-pid", "demo-project", "-sid", "abc123xyz", "-user-id", "user-1", "-token", "tok_abc12345")
	cmd.Env = append(os.Environ(), "FACEAUTH_API_KEY="+key)
	out, err := cmd.Output()
	want := "https://form.argosidentity.com/face-auth?pid=demo-project&encrypted=Xvg7uxPli%2FO9VuUW0jaEfCW8iRefWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8%3D\n"
	if err != nil || string(out) != want {
		t.Fatalf("got %q, %v", out, err)
	}

	cmd = exec.Command(bin, "-pid", "p", "-sid", "s", "-new-token", "-lang", "en", "-scheme", "gcm", "-json")
	cmd.Env = append(os.Environ(), "FACEAUTH_API_KEY="+key)
	out, err = cmd.Output()
	var link struct{ URL, Token string }
	if err != nil || json.Unmarshal(out, &link) != nil {
		t.Fatalf("-json: %q, %v", out, err)
	}
	rep, err := faceauth.InspectURL(link.URL, key, faceauth.WithScheme("gcm"))
	if err != nil || rep.Params.Token != link.Token || !strings.HasPrefix(link.Token, "tok_") || rep.Lang != "en" {
		t.Fatalf("inspect: %+v, %v", rep, err)
	}

	// A library error exits 1 with its kind; usage exits 2; the key is never printed.
	cmd = exec.Command(bin, "-pid", "p", "-sid", "s", "-token", "bad")
	cmd.Env = append(os.Environ(), "FACEAUTH_API_KEY="+key)
	out, err = cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "invalid_token") || strings.Contains(string(out), key) {
		t.Fatalf("bad token: %q, %v", out, err)
	}
	if err := exec.Command(bin, "-sid", "s").Run(); err == nil {
		t.Fatal("no -pid: want a usage error")
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("no -pid: %v", err)
	}
}
