// Package linuxamd64 holds libfaceauth.a for linux/amd64 (scripts/go-lib.sh places it): a Go
// file, so that `go mod vendor` keeps this directory (includebuild.go imports it).
package linuxamd64
