// Package faceauthtest starts the FaceAuth simulator (`faceauth mock`) for tests: a real HTTP
// server on loopback that serves the REST API, the hosted page, token rules and webhooks, from
// in-memory state the test seeds and inspects through its control API.
//
//	sim := faceauthtest.StartSimulator(t, faceauthtest.WithTokenRule("count"))
//	sim.AddSubmission("sub_1", "approved")
//	client, _ := faceauth.NewClient(sim.APIKey, faceauth.ClientOptions{BaseURL: sim.URL})
//	links, _ := faceauth.NewURLBuilder(sim.ProjectID, sim.APIKey, faceauth.WithBaseURL(sim.URL))
//
// The simulator is the `faceauth` command: $FACEAUTH_BIN, else target/debug/faceauth of the
// checkout this package sits in, else `faceauth` on $PATH. It is stopped by t.Cleanup. Keys
// reach it through its environment, never its command line.
package faceauthtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Simulator is a running `faceauth mock`.
type Simulator struct {
	// URL is its base URL, http://127.0.0.1:PORT: the REST base URL and the links' base URL.
	URL string
	// APIKey is the key it expects (and, unless WithURLKey, the key of its links).
	APIKey string
	// ProjectID is its project id (pid).
	ProjectID string

	t      testing.TB
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	http   *http.Client
}

type config struct {
	apiKey, projectID, urlKey, webhookKey string
	args                                  []string
}

// Option configures StartSimulator.
type Option func(*config)

// WithAPIKey sets the API key (default "faceauthtest-key-0123456789abcdefghij").
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithProjectID sets the project id (default "faceauthtest-project").
func WithProjectID(pid string) Option { return func(c *config) { c.projectID = pid } }

// WithURLKey sets the key that decrypts links, when not the API key.
func WithURLKey(key string) Option { return func(c *config) { c.urlKey = key } }

// WithWebhookKey makes the simulator encrypt its webhooks with this key.
func WithWebhookKey(key string) Option { return func(c *config) { c.webhookKey = key } }

// WithTokenRule sets token expiration: "count", "time:SECONDS" or "off" (the default).
func WithTokenRule(rule string) Option {
	return func(c *config) { c.args = append(c.args, "--token-rule", rule) }
}

// WithScheme sets the links' encryption: "ecb" (the default), "gcm", "cbc" or a variant id.
func WithScheme(scheme string) Option {
	return func(c *config) { c.args = append(c.args, "--scheme", scheme) }
}

// WithArgs passes other `faceauth mock` flags (--allow-ip, --latency-ms, --seed, …).
func WithArgs(args ...string) Option { return func(c *config) { c.args = append(c.args, args...) } }

// Binary finds the `faceauth` command: $FACEAUTH_BIN, target/debug/faceauth of this checkout,
// or `faceauth` on $PATH.
func Binary() (string, error) {
	if bin := os.Getenv("FACEAUTH_BIN"); bin != "" {
		return bin, nil
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		bin := filepath.Join(filepath.Dir(file), "..", "..", "target", "debug", "faceauth")
		if st, err := os.Stat(bin); err == nil && !st.IsDir() {
			return bin, nil
		}
	}
	return exec.LookPath("faceauth")
}

var listening = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+)$`)

// StartSimulator starts `faceauth mock --port 0` on loopback and waits for its first line. It
// fails the test if the simulator does not start, and stops it when the test ends.
func StartSimulator(t testing.TB, opts ...Option) *Simulator {
	t.Helper()
	c := config{apiKey: "faceauthtest-key-0123456789abcdefghij", projectID: "faceauthtest-project"}
	for _, o := range opts {
		o(&c)
	}
	bin, err := Binary()
	if err != nil {
		t.Fatalf("faceauthtest: no faceauth command (set FACEAUTH_BIN): %v", err)
	}
	args := append([]string{"mock", "--host", "127.0.0.1", "--port", "0", "--project-id", c.projectID}, c.args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "FACEAUTH_MOCK_API_KEY="+c.apiKey)
	if c.urlKey != "" {
		cmd.Env = append(cmd.Env, "FACEAUTH_MOCK_URL_KEY="+c.urlKey)
	}
	if c.webhookKey != "" {
		cmd.Env = append(cmd.Env, "FACEAUTH_MOCK_WEBHOOK_KEY="+c.webhookKey)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("faceauthtest: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("faceauthtest: starting %s: %v", bin, err)
	}
	s := &Simulator{APIKey: c.apiKey, ProjectID: c.projectID, t: t, cmd: cmd,
		http: &http.Client{Timeout: 30 * time.Second}}
	t.Cleanup(s.stop)

	first := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		first <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, r) // keep the pipe drained
	}()
	select {
	case line := <-first:
		m := listening.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("faceauthtest: the simulator did not start (first line %q): %s", line, stderr.String())
		}
		s.URL = m[1]
	case <-time.After(60 * time.Second):
		t.Fatalf("faceauthtest: the simulator printed nothing in 60 s: %s", stderr.String())
	}
	return s
}

func (s *Simulator) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Control calls a control endpoint (/_mock/<path>): a POST of body when body is not nil, else
// a GET. It fails the test on any error or non-2xx answer and returns the answer's body.
func (s *Simulator) Control(path string, body any) []byte {
	s.t.Helper()
	method, reader := http.MethodGet, io.Reader(nil)
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			s.t.Fatalf("faceauthtest: %v", err)
		}
		method, reader = http.MethodPost, bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, s.URL+"/_mock/"+path, reader)
	if err != nil {
		s.t.Fatalf("faceauthtest: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		s.t.Fatalf("faceauthtest: %s /_mock/%s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode/100 != 2 {
		s.t.Fatalf("faceauthtest: %s /_mock/%s: %s %s %v", method, path, resp.Status, out, err)
	}
	return out
}

// AddSubmission adds an ID check submission ("approved" ones can be re-authenticated).
func (s *Simulator) AddSubmission(id, status string) {
	s.t.Helper()
	s.Control("submissions", map[string]string{"id": id, "status": status})
}

// AddResults adds n approved results of submission sid, created step apart from start.
func (s *Simulator) AddResults(n int, sid string, start time.Time, step time.Duration) {
	s.t.Helper()
	s.Control("results", map[string]any{"count": n, "submission_id": sid,
		"start": start.UTC().Format(time.RFC3339), "step_seconds": step.Seconds()})
}

// AdvanceClock moves the simulator's clock (token time rules, result times) forward.
func (s *Simulator) AdvanceClock(d time.Duration) {
	s.t.Helper()
	s.Control("clock", map[string]any{"advance_seconds": d.Seconds()})
}

// Faults sets one-shot or standing faults: {"fail_next": 1, "fail_status": 502}, {"latency_ms":
// 500}, {"drop_next": 1}, … (POST /_mock/faults).
func (s *Simulator) Faults(faults map[string]any) {
	s.t.Helper()
	s.Control("faults", faults)
}

// Page is the hosted page's answer to a link.
type Page struct {
	Status     int    // 200, or 410 for a spent token, 400/403/404 for a bad link
	AuthID     string `json:"auth_id"`
	AuthStatus string `json:"auth_status"`
	Body       string
}

// Open opens a link as the user's browser would (GET on the hosted page): the simulator
// decrypts it, enforces the token rule, records a result and queues the webhooks.
func (s *Simulator) Open(link string) Page {
	s.t.Helper()
	if !strings.HasPrefix(link, s.URL+"/") {
		s.t.Fatalf("faceauthtest: %q is not a link to this simulator (%s)", link, s.URL)
	}
	resp, err := s.http.Get(link)
	if err != nil {
		s.t.Fatalf("faceauthtest: opening the link: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("faceauthtest: reading the page: %v", err)
	}
	p := Page{Status: resp.StatusCode, Body: string(body)}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &p); err != nil {
			s.t.Fatalf("faceauthtest: the page's answer %q: %v", body, err)
		}
	}
	return p
}

// Webhooks returns every webhook body the simulator has sent (its outbox), oldest first: the
// JSON a receiver got (re-encoded by the control API, so the same values, maybe not the same
// bytes; an encrypted webhook is its {"data": "…"} form).
func (s *Simulator) Webhooks() [][]byte {
	s.t.Helper()
	var bodies []json.RawMessage
	if err := json.Unmarshal(s.Control("webhooks", nil), &bodies); err != nil {
		s.t.Fatalf("faceauthtest: /_mock/webhooks: %v", err)
	}
	out := make([][]byte, len(bodies))
	for i, b := range bodies {
		// The outbox holds the parsed JSON; a string is a body that was not JSON.
		var text string
		if json.Unmarshal(b, &text) == nil {
			out[i] = []byte(text)
		} else {
			out[i] = []byte(b)
		}
	}
	return out
}

// Requests returns how many requests each REST route received and processed.
func (s *Simulator) Requests() (received, processed map[string]int) {
	s.t.Helper()
	var r struct{ Received, Processed map[string]int }
	if err := json.Unmarshal(s.Control("requests", nil), &r); err != nil {
		s.t.Fatalf("faceauthtest: /_mock/requests: %v", err)
	}
	return r.Received, r.Processed
}

// String describes the simulator without its key.
func (s *Simulator) String() string {
	return fmt.Sprintf("faceauthtest.Simulator{url: %s, project: %s}", s.URL, s.ProjectID)
}

// GoString is String.
func (s *Simulator) GoString() string { return s.String() }

// Format prints String for every verb.
func (s *Simulator) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }
