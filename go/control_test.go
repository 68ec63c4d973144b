package faceauth_test

// Issue 16, Go's half: contexts abort the call in flight on the shared client, proxies (set and
// from the environment), a private CA, the user agent and the attempt hook, each against a
// server (or proxy) the test starts on loopback.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go"
)

const testKey = "test-key-0123456789abcdef"

// A GET /faceauth answer with the one row fa_x.
const recordJSON = `{"data": [{"auth_id": "fa_x", "auth_status": "approved", "create_time": "2025-01-01T00:00:00.000Z"}]}`

// apiServer is a loopback API: it counts requests and connections, records the last request's
// headers, and answers what answer says (stall: hold the request until the client's
// connection closes, then report it on closed).
type apiServer struct {
	*httptest.Server
	requests, conns atomic.Int32
	closed          chan struct{} // one value per stalled request whose connection closed
	stall           atomic.Bool
	mu              sync.Mutex
	header          http.Header
	statuses        []int // statuses to answer before 200, in order
}

// abortedOnce checks what an aborted call leaves behind: it returned soon (took, logged
// against the 50 ms goal, bounded generously: without the abort it would wait for its 60 s
// timeout), the server saw its connection closed, and saw one request (no retry).
func (s *apiServer) abortedOnce(t *testing.T, took time.Duration, what string) {
	t.Helper()
	t.Logf("returned %v %s (goal: 50 ms)", took, what)
	if took > 5*time.Second {
		t.Fatalf("returned %v %s", took, what)
	}
	select {
	case <-s.closed:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: the server never saw the connection closed", what)
	}
	if n := s.requests.Load(); n != 1 {
		t.Fatalf("%s: the server saw %d requests, want 1 (no retry after an abort)", what, n)
	}
}

func startAPI(t testing.TB, tlsConfig *tls.Config) *apiServer {
	t.Helper()
	s := &apiServer{closed: make(chan struct{}, 16)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		s.header = r.Header.Clone()
		var status int
		if len(s.statuses) > 0 {
			status, s.statuses = s.statuses[0], s.statuses[1:]
		}
		s.mu.Unlock()
		if s.stall.Load() {
			<-r.Context().Done() // the client's connection closed (or the server is closing)
			s.closed <- struct{}{}
			return
		}
		w.Header().Set("x-amzn-requestid", fmt.Sprintf("req-%d", s.requests.Load()))
		if status != 0 {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"message": "try again"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, recordJSON)
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	if tlsConfig != nil {
		s.TLS = tlsConfig
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) lastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header
}

// noEnvProxy clears the proxy variables for the test (restored after it), so that a proxy in
// the environment running the tests changes nothing here.
func noEnvProxy(t *testing.T) {
	for _, name := range []string{"ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
}

// stalledAPI starts a loopback API that stalls every request until told otherwise, and a
// client of it with the default options (60 s per attempt, 2 retries).
func stalledAPI(t *testing.T) (*apiServer, *faceauth.Client) {
	srv := startAPI(t, nil)
	srv.stall.Store(true)
	return srv, mustClient(t, testKey, faceauth.ClientOptions{BaseURL: srv.URL})
}

// The context's cancel aborts the request in flight: the call returns at once, the server
// sees the connection closed and no second request (no retry), and the same client then works.
func TestCancelAbortsTheRequestInFlight(t *testing.T) {
	noEnvProxy(t)
	srv, c := stalledAPI(t)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var cancelled atomic.Int64
	time.AfterFunc(300*time.Millisecond, func() {
		cancelled.Store(time.Now().UnixNano())
		cancel()
	})
	_, err := c.Get(ctx, "fa_x")
	returned := time.Now()
	if !reached(err, faceauth.ErrCancelled) || !errors.Is(err, context.Canceled) || errors.Is(err, faceauth.ErrTimeout) {
		t.Fatalf("Get cancelled at 300 ms: %v", err)
	}
	srv.abortedOnce(t, returned.Sub(time.Unix(0, cancelled.Load())), "after the cancel")

	// The same client goes on working.
	srv.stall.Store(false)
	rec, err := c.Get(t.Context(), "fa_x")
	if err != nil || rec.AuthID != "fa_x" {
		t.Fatalf("Get after the cancel: %+v, %v", rec, err)
	}
}

// The context's deadline aborts the request in flight the same way: ErrTimeout and
// context.DeadlineExceeded, one request.
func TestDeadlineAbortsTheRequestInFlight(t *testing.T) {
	noEnvProxy(t)
	srv, c := stalledAPI(t)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	begun := time.Now()
	err := c.Delete(ctx, "fa_x")
	took := time.Since(begun)
	if !reached(err, faceauth.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, faceauth.ErrCancelled) {
		t.Fatalf("Delete under a 300 ms deadline: %v", err)
	}
	t.Logf("a 300 ms deadline: %v", err)
	srv.abortedOnce(t, took-300*time.Millisecond, "after the 300 ms deadline")
}

// Calls with short deadlines run on the shared client and reuse its connections (they once
// made a one-off client, and a connection, each).
func TestShortDeadlinesReuseConnections(t *testing.T) {
	noEnvProxy(t)
	srv := startAPI(t, nil)
	c := mustClient(t, testKey, faceauth.ClientOptions{BaseURL: srv.URL})
	for i := range 50 {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		_, err := c.Get(ctx, "fa_x")
		cancel()
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := srv.conns.Load(); n > 3 {
		t.Fatalf("50 calls opened %d connections", n)
	}
	t.Logf("50 calls with 5 s deadlines: %d connection(s)", srv.conns.Load())
	if ua, want := srv.lastHeader().Get("User-Agent"), "faceauth-go/"+faceauth.Version(); ua != want {
		t.Fatalf("user agent %q, want %q", ua, want)
	}
}

// Requests name the Go package alone, faceauth-go/<version> (the C library's own faceauth-c
// is replaced, not followed), then the caller's suffix.
func TestUserAgent(t *testing.T) {
	noEnvProxy(t)
	srv := startAPI(t, nil)
	for _, tc := range []struct{ suffix, want string }{
		{"", "faceauth-go/" + faceauth.Version()},
		{"  ", "faceauth-go/" + faceauth.Version()},
		{"myapp/1.2", "faceauth-go/" + faceauth.Version() + " myapp/1.2"},
	} {
		c := mustClient(t, testKey, faceauth.ClientOptions{BaseURL: srv.URL, UserAgentSuffix: tc.suffix})
		if _, err := c.Get(t.Context(), "fa_x"); err != nil {
			t.Fatal(err)
		}
		if ua := srv.lastHeader().Get("User-Agent"); ua != tc.want {
			t.Errorf("suffix %q: user agent %q, want %q", tc.suffix, ua, tc.want)
		}
	}
	_, err := faceauth.NewClient(testKey, faceauth.ClientOptions{BaseURL: srv.URL, UserAgentSuffix: "bad\nsuffix"})
	if !reached(err, faceauth.ErrInvalidArgument) {
		t.Fatalf("a suffix with a newline: %v", err)
	}
}

// ConfirmWebhook and Ledger.ApplyConfirmed are aborted in flight by their context like every
// other call: cancelled at 300 ms against a stalling server, they return at once, the server
// sees the connection closed and one request, and the ledger records nothing.
func TestCancelAbortsAConfirmationInFlight(t *testing.T) {
	noEnvProxy(t)
	l := mustLedger(t, ":memory:")
	link, err := l.IssueURL(mustBuilder(t, "project-1", testKey), faceauth.CountRule(), faceauth.AuthParams{SID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"webhook_trigger":"faceAuth","data":{"Authentication_id":"fa_x","Submission_id":"s1",` +
		`"Auth_Status":"approved","Token_id":"` + link.Token + `"}}`)
	for _, through := range []string{"ConfirmWebhook", "ApplyConfirmed"} {
		t.Run(through, func(t *testing.T) {
			srv, c := stalledAPI(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var cancelled atomic.Int64
			time.AfterFunc(300*time.Millisecond, func() {
				cancelled.Store(time.Now().UnixNano())
				cancel()
			})
			var err error
			if through == "ConfirmWebhook" {
				_, err = c.ConfirmWebhook(ctx, body, nil)
			} else {
				_, err = l.ApplyConfirmed(ctx, c, body, nil)
			}
			returned := time.Now()
			if !reached(err, faceauth.ErrCancelled) || !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled at 300 ms: %v", err)
			}
			srv.abortedOnce(t, returned.Sub(time.Unix(0, cancelled.Load())), "after the cancel")
			if ua, want := srv.lastHeader().Get("User-Agent"), "faceauth-go/"+faceauth.Version(); ua != want {
				t.Fatalf("user agent %q, want %q", ua, want)
			}
			// The same client then asks Argos again: its row names no submission, so the
			// webhook is unverifiable (an answer, not a transport failure).
			srv.stall.Store(false)
			if _, err := c.ConfirmWebhook(t.Context(), body, nil); !reached(err, faceauth.ErrWebhookUnverifiable) {
				t.Fatalf("after the cancel: %v", err)
			}
		})
	}
	if st, err := l.Status(link.Token); err != nil || st.State != "unused" {
		t.Fatalf("the token after cancelled confirmations: %+v, %v", st, err)
	}
}

// A context's deadline bounds a confirmation in flight: ErrTimeout and DeadlineExceeded.
func TestDeadlineAbortsAConfirmationInFlight(t *testing.T) {
	noEnvProxy(t)
	srv, c := stalledAPI(t)
	l := mustLedger(t, ":memory:")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	body := []byte(`{"webhook_trigger":"faceAuth","data":{"Authentication_id":"fa_x","Token_id":"tok_go_stall02"}}`)
	begun := time.Now()
	_, err := l.ApplyConfirmed(ctx, c, body, nil)
	took := time.Since(begun)
	if !reached(err, faceauth.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ApplyConfirmed under a 300 ms deadline: %v", err)
	}
	t.Logf("a 300 ms deadline: %v", err)
	srv.abortedOnce(t, took-300*time.Millisecond, "after the 300 ms deadline")
}

// countingProxy is a loopback HTTP proxy that tunnels CONNECT requests and records the
// headers of each request made to it (the proxy's own headers, not the tunnel's bytes).
type countingProxy struct {
	url      string
	connects atomic.Int32
	mu       sync.Mutex
	headers  []string // each request to the proxy, its request line and headers as received
}

func startProxy(t *testing.T) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{url: "http://" + ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.serve(conn)
			}()
		}
	}()
	return p
}

func (p *countingProxy) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	var raw strings.Builder
	fmt.Fprintf(&raw, "%s %s\n", req.Method, req.RequestURI)
	_ = req.Header.Write(&raw)
	p.mu.Lock()
	p.headers = append(p.headers, raw.String())
	p.mu.Unlock()
	if req.Method != http.MethodConnect {
		_, _ = io.WriteString(conn, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	p.connects.Add(1)
	up, err := net.Dial("tcp", req.Host)
	if err != nil {
		_, _ = io.WriteString(conn, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	_, _ = io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, up); done <- struct{}{} }()
	<-done
}

func (p *countingProxy) seen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.headers, "\n")
}

// Requests go through a proxy when one is set, and by the environment (HTTPS_PROXY or
// HTTP_PROXY: the base URL here is http://), not when NO_PROXY names the host; the key never
// reaches the proxy's own headers.
func TestProxies(t *testing.T) {
	srv := startAPI(t, nil)
	get := func(t *testing.T, opts faceauth.ClientOptions) {
		t.Helper()
		opts.BaseURL = srv.URL
		c := mustClient(t, testKey, opts)
		if _, err := c.Get(t.Context(), "fa_x"); err != nil {
			t.Fatalf("Get: %v", err)
		}
	}
	for _, tc := range []struct {
		name, env, value string
		opts             faceauth.ClientOptions
		noProxy          string
		through          bool
	}{
		{name: "set", through: true},
		{name: "set, NoProxy names the host", noProxy: "127.0.0.1", through: false},
		{name: "HTTPS_PROXY", env: "HTTPS_PROXY", through: true},
		{name: "HTTP_PROXY", env: "HTTP_PROXY", through: true},
		{name: "HTTP_PROXY, NO_PROXY names the host", env: "HTTP_PROXY", value: "localhost,127.0.0.1", through: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noEnvProxy(t)
			proxy := startProxy(t)
			opts := faceauth.ClientOptions{}
			if tc.env == "" {
				opts.Proxy, opts.NoProxy = proxy.url, tc.noProxy
			} else {
				t.Setenv(tc.env, proxy.url)
				if tc.value != "" {
					t.Setenv("NO_PROXY", tc.value)
				}
			}
			get(t, opts)
			if got := proxy.connects.Load() > 0; got != tc.through {
				t.Fatalf("through the proxy: %v, want %v (%d CONNECTs)", got, tc.through, proxy.connects.Load())
			}
			if seen := proxy.seen(); strings.Contains(seen, testKey) || strings.Contains(strings.ToLower(seen), "x-api-key") {
				t.Fatalf("the proxy saw the key:\n%s", seen)
			}
			if tc.through && !strings.Contains(srv.lastHeader().Get("x-api-key"), testKey) {
				t.Fatal("the key did not reach the API through the tunnel")
			}
		})
	}
}

// A proxy URL's password shows in no formatting of the options or of the client.
func TestProxyPasswordRedacted(t *testing.T) {
	const password = "pw-SECRET-4711"
	opts := faceauth.ClientOptions{BaseURL: "http://127.0.0.1:1", Proxy: "http://user:" + password + "@127.0.0.1:3128", OnAttempt: func(faceauth.Attempt) {}}
	c := mustClient(t, testKey, opts)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{opts, &opts, c} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, password) || strings.Contains(s, testKey) {
				t.Errorf("%s of %T shows a secret: %s", verb, v, s)
			} else if verb == "%+v" && !strings.Contains(s, "127.0.0.1:3128") {
				t.Errorf("%s of %T hides the proxy's address: %s", verb, v, s)
			}
		}
	}
}

// testCA is a CA made for the test, and a server certificate for 127.0.0.1 that it signed.
func testCA(t *testing.T) (caPEM []byte, server tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "faceauth test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err = x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}
}

// A server whose certificate comes from a private CA: ErrTLSUntrusted without the CA, success
// with it as CAFile.
func TestPrivateCA(t *testing.T) {
	noEnvProxy(t)
	caPEM, cert := testCA(t)
	srv := startAPI(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	plain := mustClient(t, testKey, faceauth.ClientOptions{BaseURL: srv.URL})
	_, err := plain.Get(t.Context(), "fa_x")
	if !reached(err, faceauth.ErrTLSUntrusted) {
		t.Fatalf("without the CA: %v", err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	trusting := mustClient(t, testKey, faceauth.ClientOptions{BaseURL: srv.URL, CAFile: caFile})
	if rec, err := trusting.Get(t.Context(), "fa_x"); err != nil || rec.AuthID != "fa_x" {
		t.Fatalf("with the CA: %+v, %v", rec, err)
	}
	// A CA file that cannot be used is refused when the client is made.
	for _, opts := range []faceauth.ClientOptions{
		{CAFile: filepath.Join(t.TempDir(), "missing.pem")},
		{CAFile: caFile, PlatformRoots: true},
	} {
		if _, err := faceauth.NewClient(testKey, opts); !reached(err, faceauth.ErrInvalidArgument) {
			t.Errorf("%+v: %v", opts, err)
		}
	}
}

// 503, 503, 200: the hook sees attempts 1, 2 and 3, with the route template and the statuses.
func TestOnAttempt(t *testing.T) {
	noEnvProxy(t)
	srv := startAPI(t, nil)
	srv.mu.Lock()
	srv.statuses = []int{503, 503}
	srv.mu.Unlock()
	var mu sync.Mutex
	var seen []faceauth.Attempt
	c := mustClient(t, testKey, faceauth.ClientOptions{BaseURL: srv.URL, OnAttempt: func(a faceauth.Attempt) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, a)
	}})
	if _, err := c.Get(t.Context(), "fa_x"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("%d attempts seen: %+v", len(seen), seen)
	}
	for i, a := range seen {
		want := []int{503, 503, 200}[i]
		if a.Attempt != i+1 || a.Status != want || a.Method != "GET" || a.Route != "/FaceAuth" ||
			a.ErrorKind != "" || a.Duration <= 0 || a.RequestID != fmt.Sprintf("req-%d", i+1) {
			t.Errorf("attempt %d: %+v", i+1, a)
		}
		if strings.Contains(fmt.Sprintf("%+v", a), "fa_x") {
			t.Errorf("attempt %d shows the auth id: %+v", i+1, a)
		}
	}
}

// A failed attempt has its kind and no status; a hook that panics does not break the call.
func TestOnAttemptFailureAndPanic(t *testing.T) {
	noEnvProxy(t)
	srv := startAPI(t, nil)
	var calls atomic.Int32
	c := mustClient(t, testKey, faceauth.ClientOptions{BaseURL: srv.URL, OnAttempt: func(faceauth.Attempt) {
		calls.Add(1)
		panic("a broken hook")
	}})
	if rec, err := c.Get(t.Context(), "fa_x"); err != nil || rec.AuthID != "fa_x" {
		t.Fatalf("Get with a panicking hook: %+v, %v", rec, err)
	}
	if calls.Load() != 1 {
		t.Fatalf("the hook ran %d times", calls.Load())
	}

	srv.stall.Store(true)
	var failed faceauth.Attempt
	stalled := mustClient(t, testKey, faceauth.ClientOptions{BaseURL: srv.URL, OnAttempt: func(a faceauth.Attempt) { failed = a }})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := stalled.Get(ctx, "fa_x"); err == nil {
		t.Fatal("a stalled call succeeded")
	}
	if failed.Status != 0 || (failed.ErrorKind != "cancelled" && failed.ErrorKind != "api_timeout") || failed.Attempt != 1 {
		t.Fatalf("the failed attempt: %+v", failed)
	}
}

// A listing is one call: cancelling its context aborts the page being fetched.
func TestCancelAbortsAListingPage(t *testing.T) {
	noEnvProxy(t)
	srv, c := stalledAPI(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, _, err := c.ListAll(ctx, faceauth.ListQuery{})
	if !reached(err, faceauth.ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("ListAll cancelled: %v", err)
	}
	if n := srv.requests.Load(); n != 1 {
		t.Fatalf("%d requests", n)
	}
}
