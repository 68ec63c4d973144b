package faceauth_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

// The API key appears in no error and in no formatting of any value of the package.
func TestNoKeyInAnyOutput(t *testing.T) {
	const key = "SECRET-api-key-0123456789abcdefghij"
	sim := faceauthtest.StartSimulator(t, faceauthtest.WithAPIKey(key))
	sim.AddSubmission("sub_1", "approved")
	client := mustClient(t, key, faceauth.ClientOptions{BaseURL: sim.URL})
	links := mustBuilder(t, sim.ProjectID, key, faceauth.WithBaseURL(sim.URL))
	c := mustCipher(t, key, "ecb")
	u, _ := links.Build(faceauth.AuthParams{SID: "sub_1", Token: "tok_abcdefgh"})
	rep, _ := c.InspectURL(u)
	res, _ := client.Submit(t.Context(), faceauth.Submission{SubmissionID: "sub_1", Image: selfie})
	rec, _ := client.Get(t.Context(), res.AuthID)
	img, _ := client.Image(t.Context(), res.AuthID)
	ledger := mustLedger(t, ":memory:")
	link, err := ledger.IssueURL(links, faceauth.TimeRule(time.Hour), faceauth.AuthParams{SID: "sub_1"})
	if err != nil {
		t.Fatal(err)
	}
	tokenStatus, _ := ledger.Status(link.Token)
	page := sim.Open(u)
	var events []faceauth.Event
	bodies := sim.Webhooks()
	for _, body := range bodies {
		ev, err := faceauth.ParseWebhook(body, nil)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}

	// Errors from calls given the key (or a near miss of it), each from a real failure.
	var errs []error
	_, err = faceauth.NewCipher(key+" ", "ecb")
	errs = append(errs, err)
	_, err = faceauth.NewURLBuilder("p", key, faceauth.WithScheme("rot13"))
	errs = append(errs, err)
	_, err = faceauth.NewClient(key+"\n", faceauth.ClientOptions{})
	errs = append(errs, err)
	_, err = faceauth.InspectURL(u, key[1:])
	errs = append(errs, err)
	_, err = c.Decrypt(key)
	errs = append(errs, err)
	_, err = faceauth.ParseWebhook([]byte(`{"data":"`+key+`"}`), c)
	errs = append(errs, err)
	wrong := mustClient(t, key[:len(key)-1], faceauth.ClientOptions{BaseURL: sim.URL})
	_, err = wrong.Get(t.Context(), "fa_x")
	errs = append(errs, err)
	_, err = faceauth.NewClient(key, faceauth.ClientOptions{BaseURL: "ftp://" + key})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("error %d: the call did not fail", i)
		}
		var fe *faceauth.Error
		if !errors.As(err, &fe) {
			t.Fatalf("error %d is %T", i, err)
		}
	}

	values := []any{client, links, c, rep, *rep, res, rec, img, page, sim, events,
		faceauth.ClientOptions{BaseURL: sim.URL, Timeout: time.Second}, faceauth.AuthParams{SID: "s"},
		faceauth.ListQuery{}, faceauth.Submission{SubmissionID: "s"}, errs}
	for i, ev := range events {
		applied, err := ledger.ApplyWebhook(bodies[i], nil)
		values = append(values, ev, applied, err)
	}
	values = append(values, ledger, link, tokenStatus, faceauth.TimeRule(time.Hour), faceauth.ListFilter{State: "unused"})
	for _, err := range errs {
		values = append(values, err, err.Error())
	}
	needles := []string{key, key[1:], key[:len(key)-1], hex.EncodeToString([]byte(key)), strings.ToUpper(hex.EncodeToString([]byte(key[:16])))}
	for i, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			out := fmt.Sprintf(verb, v)
			for _, needle := range needles {
				if strings.Contains(out, needle) || strings.Contains(out, fmt.Sprint([]byte(key[:12]))[1:20]) {
					t.Errorf("value %d (%T) with %s shows the key: %s", i, v, verb, out)
				}
			}
		}
	}
}
