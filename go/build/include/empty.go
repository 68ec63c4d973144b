// Package include holds faceauth.h, a copy of include/faceauth.h that scripts/go-lib.sh places:
// a Go file, so that `go mod vendor` keeps this directory (includebuild.go imports it).
package include
