package capi

import (
	"debug/elf"
	"os"
	"strings"
	"testing"
)

// A binary that uses this package needs no libfaceauth.so: libfaceauth.a is linked in.
func TestStaticLink(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, lib := range libs {
		if strings.Contains(lib, "faceauth") {
			t.Errorf("%s needs %s at run time (DT_NEEDED %v)", exe, lib, libs)
		}
	}
	// No libfaceauth in DT_NEEDED, yet its functions run: it is linked in.
	if v := Version(); v == "" {
		t.Error("empty version")
	}
	t.Logf("libfaceauth %s; DT_NEEDED %v", Version(), libs)
}
