package faceauth_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
	"github.com/faceauth/faceauth/go/faceauthtest"
)

// 64 goroutines share one client, one builder and one cipher (go test -race checks the Go
// side; the C side documents these handles as thread-safe).
func TestSixtyFourGoroutinesShareHandles(t *testing.T) {
	sim := faceauthtest.StartSimulator(t)
	sim.AddSubmission("sub_1", "approved")
	sim.AddResults(5, "sub_1", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Minute)
	client := mustClient(t, sim.APIKey, faceauth.ClientOptions{BaseURL: sim.URL, Timeout: 30 * time.Second})
	links := mustBuilder(t, sim.ProjectID, sim.APIKey, faceauth.WithBaseURL(sim.URL), faceauth.WithLang("en"))
	c := mustCipher(t, sim.APIKey, "ecb")
	ids := make([]string, 0, 5)
	for r, err := range client.List(t.Context(), faceauth.ListQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.AuthID)
	}

	const workers = 64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				for i := range 20 {
					p := faceauth.AuthParams{SID: fmt.Sprintf("sub-%d-%d", g, i), UserID: "u", Token: fmt.Sprintf("tok_%04d%04d", g, i)}
					u, err := links.Build(p)
					if err != nil {
						return err
					}
					rep, err := c.InspectURL(u)
					if err != nil || rep.Params != p {
						return fmt.Errorf("inspect %v: %+v, %v", p, rep, err)
					}
					ct, err := c.Encrypt(p.SID)
					if err != nil {
						return err
					}
					if pt, err := c.Decrypt(ct); err != nil || pt != p.SID {
						return fmt.Errorf("decrypt: %q, %v", pt, err)
					}
				}
				id := ids[g%len(ids)]
				if r, err := client.Get(t.Context(), id); err != nil || r.AuthID != id {
					return fmt.Errorf("get: %+v, %v", r, err)
				}
				if _, err := client.Get(t.Context(), "fa_missing"); !errors.Is(err, faceauth.ErrInvalidRequest) {
					return fmt.Errorf("get missing: %v", err)
				}
				n := 0
				for _, err := range client.List(t.Context(), faceauth.ListQuery{Count: 2}) {
					if err != nil {
						return err
					}
					n++
				}
				if n != len(ids) {
					return fmt.Errorf("list: %d rows", n)
				}
				return nil
			}()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Close while other goroutines use a handle: each call either works or fails with ErrClosed,
// never touching freed memory.
func TestCloseWhileInUse(t *testing.T) {
	links, err := faceauth.NewURLBuilder("p", demoKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := faceauth.NewCipher(demoKey, "gcm")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				_, e1 := links.Build(faceauth.AuthParams{SID: "s"})
				_, e2 := c.Encrypt("x")
				for _, err := range []error{e1, e2} {
					if err != nil && !errors.Is(err, faceauth.ErrClosed) {
						errs <- err
						return
					}
				}
			}
		}()
	}
	time.Sleep(time.Millisecond)
	links.Close()
	c.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
