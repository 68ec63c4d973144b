// Command makeurl builds one FaceAuth link from flags, with the project's API key from
// $FACEAUTH_API_KEY (never a flag: other users can read command lines).
//
//	FACEAUTH_API_KEY=… makeurl -pid demo-project -sid sub_1 -user-id user-1 -new-token -lang en
//
// It prints the link, or with -json {"url": …, "token": …}.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/faceauth/faceauth/go"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "makeurl:", err)
		var fe *faceauth.Error
		if errors.As(err, &fe) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("makeurl", flag.ContinueOnError)
	pid := fs.String("pid", "", "the FaceAuth project id (required)")
	sid := fs.String("sid", "", "the approved ID check submission id (required)")
	userID := fs.String("user-id", "", "your id for the user")
	cf1 := fs.String("cf1", "", "free extra field 1")
	cf2 := fs.String("cf2", "", "free extra field 2")
	cf3 := fs.String("cf3", "", "free extra field 3")
	token := fs.String("token", "", "a token id that makes the link expire")
	newToken := fs.Bool("new-token", false, "mint a fresh token id")
	lang := fs.String("lang", "", "the hosted page's language (ko, en, …)")
	baseURL := fs.String("base-url", "", "another form host (a staging form, the simulator)")
	scheme := fs.String("scheme", "ecb", "the encryption: ecb, gcm, cbc or a variant id")
	asJSON := fs.Bool("json", false, `print {"url": …, "token": …}`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pid == "" || *sid == "" {
		return errors.New("-pid and -sid are required")
	}
	key := os.Getenv("FACEAUTH_API_KEY")
	if key == "" {
		return errors.New("set FACEAUTH_API_KEY to the project's API key")
	}
	if *newToken {
		if *token != "" {
			return errors.New("-token and -new-token exclude each other")
		}
		t, err := faceauth.GenerateToken()
		if err != nil {
			return err
		}
		*token = t
	}

	opts := []faceauth.URLOption{faceauth.WithScheme(*scheme)}
	if *lang != "" {
		opts = append(opts, faceauth.WithLang(*lang))
	}
	if *baseURL != "" {
		opts = append(opts, faceauth.WithBaseURL(*baseURL))
	}
	links, err := faceauth.NewURLBuilder(*pid, key, opts...)
	if err != nil {
		return err
	}
	defer links.Close()
	url, err := links.Build(faceauth.AuthParams{SID: *sid, UserID: *userID, CF1: *cf1, CF2: *cf2, CF3: *cf3, Token: *token})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]string{"url": url, "token": *token})
	}
	_, err = fmt.Println(url)
	return err
}
