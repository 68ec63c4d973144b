// Command genstatus writes statuses.go of package faceauth: one sentinel *Error per
// FACEAUTH_STATUS_* of include/faceauth.h (OK excepted), so the Go table follows the ABI.
//
//	go run ./internal/cmd/genstatus [-header ../include/faceauth.h] [-o statuses.go]
//
// (go generate in go/ runs it). TestStatusesFollowTheHeader fails when the file is stale.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/faceauth/faceauth/go/internal/statusgen"
)

func main() {
	header := flag.String("header", "../include/faceauth.h", "the C header")
	out := flag.String("o", "statuses.go", "the Go file to write")
	flag.Parse()
	text, err := os.ReadFile(*header)
	if err != nil {
		log.Fatal(err)
	}
	src, err := statusgen.Generate(string(text))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "genstatus: wrote %s\n", *out)
}
