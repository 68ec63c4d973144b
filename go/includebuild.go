//go:build faceauth_includebuild

package faceauth

// Never built (no one sets the tag): `go mod vendor` copies only the directories of packages
// the module imports, so these imports keep build/, which holds the prebuilt libfaceauth.a and
// its header, in a vendor directory (golang/go#26366; wasmtime-go does the same).
import (
	_ "github.com/faceauth/faceauth/go/build/include"
	_ "github.com/faceauth/faceauth/go/build/linux-amd64"
)
