package faceauth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
)

// benchParams are links as a service makes them: a submission id, a user id, a fresh token.
func benchParams() []faceauth.AuthParams {
	ps := make([]faceauth.AuthParams, 1024)
	for i := range ps {
		ps[i] = faceauth.AuthParams{SID: fmt.Sprintf("sub_%08d", i), UserID: fmt.Sprintf("user-%d", i), Token: fmt.Sprintf("tok_%026d", i)}
	}
	return ps
}

func benchCgo(b *testing.B) {
	links, err := faceauth.NewURLBuilder("demo-project", demoKey, faceauth.WithLang("en"))
	if err != nil {
		b.Fatal(err)
	}
	defer links.Close()
	ps := benchParams()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := links.Build(ps[i%len(ps)]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPure(b *testing.B) {
	pure := newPureBuilder("https://form.argosidentity.com", "demo-project", demoKey, "en")
	ps := benchParams()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = pure.build(ps[i%len(ps)])
	}
}

// BenchmarkBuild: URLBuilder.Build (cgo into libfaceauth) and the same recipe in pure Go
// (crypto/sha256 key and crypto/aes schedule made once, ECB by hand, encoding/json,
// encoding/base64, url.QueryEscape), each on one goroutine and on all of GOMAXPROCS.
func BenchmarkBuild(b *testing.B) {
	b.Run("cgo", benchCgo)
	b.Run("pure-go", benchPure)
	links, _ := faceauth.NewURLBuilder("demo-project", demoKey, faceauth.WithLang("en"))
	defer links.Close()
	pure := newPureBuilder("https://form.argosidentity.com", "demo-project", demoKey, "en")
	ps := benchParams()
	b.Run("cgo-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if _, err := links.Build(ps[i%len(ps)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("pure-go-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				_ = pure.build(ps[i%len(ps)])
			}
		})
	})
}

// BenchmarkBuildRatio builds b.N links each way in the same run, timing each half itself, and
// reports how many times faster the cgo Build is than pure Go per URL (above 1: the library
// wins despite the cgo call), with both ns/URL.
func BenchmarkBuildRatio(b *testing.B) {
	links, err := faceauth.NewURLBuilder("demo-project", demoKey, faceauth.WithLang("en"))
	if err != nil {
		b.Fatal(err)
	}
	defer links.Close()
	pure := newPureBuilder("https://form.argosidentity.com", "demo-project", demoKey, "en")
	ps := benchParams()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := links.Build(ps[i%len(ps)]); err != nil {
			b.Fatal(err)
		}
	}
	cgo := time.Since(start)
	start = time.Now()
	for i := 0; i < b.N; i++ {
		_ = pure.build(ps[i%len(ps)])
	}
	pureTime := time.Since(start)
	cgoNs, pureNs := float64(cgo.Nanoseconds())/float64(b.N), float64(pureTime.Nanoseconds())/float64(b.N)
	b.ReportMetric(pureNs/cgoNs, "speedup-vs-pure-go")
	b.ReportMetric(cgoNs, "cgo-ns/URL")
	b.ReportMetric(pureNs, "pure-go-ns/URL")
	if b.N > 1000 {
		b.Logf("%d URLs each: cgo %.0f ns/URL, pure Go %.0f ns/URL: cgo is %.2fx pure Go's speed", b.N, cgoNs, pureNs, pureNs/cgoNs)
	}
}

// The GET loop against a loopback server: a context that can neither end nor expire (no call
// options) against one that can (a cancel handle and call options per call).
func BenchmarkGetLoop(b *testing.B) {
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"background", func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }},
		{"cancellable", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := startAPI(b, nil)
			c, err := faceauth.NewClient(testKey, faceauth.ClientOptions{BaseURL: srv.URL})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := tc.ctx()
			defer cancel()
			for b.Loop() {
				if _, err := c.Get(ctx, "fa_x"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
