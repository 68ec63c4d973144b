// Package faceauthtest starts the FaceAuth simulator for tests: a real HTTP server on loopback,
// in the test's own process, that serves the REST API, the hosted page, token rules and
// webhooks from in-memory state the test seeds and inspects.
//
//	sim := faceauthtest.StartSimulator(t, faceauthtest.WithTokenRule("count"))
//	sim.AddSubmission("sub_1", "approved")
//	client, _ := faceauth.NewClient(sim.APIKey, faceauth.ClientOptions{BaseURL: sim.URL})
//	links, _ := faceauth.NewURLBuilder(sim.ProjectID, sim.APIKey, faceauth.WithBaseURL(sim.URL))
//
// The simulator is libfaceauth's (faceauth_simulator_start, linked like the rest of the
// package): no `faceauth` command, no FACEAUTH_BIN. t.Cleanup stops it and joins its threads.
// Keys never leave the process; the library wipes its copies of them.
package faceauthtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faceauth/faceauth/go/internal/capi"
)

// Simulator is a running simulator.
type Simulator struct {
	// URL is its base URL, http://127.0.0.1:PORT: the REST base URL and the links' base URL.
	URL string
	// APIKey is the key it expects (and, unless WithURLKey, the key of its links).
	APIKey string
	// ProjectID is its project id (pid).
	ProjectID string

	t    testing.TB
	sim  *capi.Simulator
	http *http.Client
}

// config is the simulator's JSON configuration (faceauth_simulator_start), built by the
// options in order; the first error fails StartSimulator.
type config struct {
	fields map[string]any
	err    error
}

func (c *config) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

func (c *config) faults() map[string]any {
	f, ok := c.fields["faults"].(map[string]any)
	if !ok {
		f = map[string]any{}
		c.fields["faults"] = f
	}
	return f
}

// Option configures StartSimulator.
type Option func(*config)

// WithAPIKey sets the API key (default "faceauthtest-key-0123456789abcdefghij").
func WithAPIKey(key string) Option { return func(c *config) { c.fields["api_key"] = key } }

// WithProjectID sets the project id (default "faceauthtest-project").
func WithProjectID(pid string) Option { return func(c *config) { c.fields["project_id"] = pid } }

// WithURLKey sets the key that decrypts links, when not the API key.
func WithURLKey(key string) Option { return func(c *config) { c.fields["url_key"] = key } }

// WithWebhookKey makes the simulator encrypt its webhooks with this key.
func WithWebhookKey(key string) Option { return func(c *config) { c.fields["webhook_key"] = key } }

// WithWebhookURL makes the simulator POST its webhooks to url.
func WithWebhookURL(url string) Option { return func(c *config) { c.fields["webhook_url"] = url } }

// WithTokenRule sets token expiration: "count", "time:SECONDS" or "off" (the default).
func WithTokenRule(rule string) Option { return func(c *config) { c.fields["token_rule"] = rule } }

// WithScheme sets the links' encryption: "ecb" (the default), "gcm", "cbc" or a variant id.
func WithScheme(scheme string) Option { return func(c *config) { c.fields["scheme"] = scheme } }

// WithConfig sets fields of the simulator's configuration, by their names in a `faceauth mock
// --seed` file (see faceauth_simulator_start): {"max_body_bytes": 2000}, {"allowed_ips":
// ["10.0.0.1"]}, {"submissions": [...]}, {"faults": {"latency_ms": 500}}, … An unknown name
// fails the test.
func WithConfig(fields map[string]any) Option {
	return func(c *config) {
		for k, v := range fields {
			c.fields[k] = v
		}
	}
}

// WithArgs takes `faceauth mock` flags, for tests written when the simulator was that command:
// --seed FILE, --host, --port, --api-key, --project-id, --url-key, --scheme, --allow-ip,
// --token-rule, --webhook-url, --webhook-key, --webhook-shape, --response-shape,
// --image-format, --latency-ms, --error-rate, --drop-rate, --fault-seed and --verbose (also as
// --flag=value). Another flag fails the test. New tests use the other options or WithConfig.
func WithArgs(args ...string) Option {
	return func(c *config) {
		for i := 0; i < len(args); i++ {
			flag, value, inline := strings.Cut(args[i], "=")
			if flag == "--verbose" {
				c.fields["verbose"] = true
				continue
			}
			if !inline {
				if i+1 >= len(args) {
					c.fail(fmt.Errorf("%s needs a value", flag))
					return
				}
				i++
				value = args[i]
			}
			if err := c.flag(flag, value); err != nil {
				c.fail(err)
				return
			}
		}
	}
}

var stringFlags = map[string]string{
	"--host": "host", "--api-key": "api_key", "--project-id": "project_id", "--url-key": "url_key",
	"--scheme": "scheme", "--token-rule": "token_rule", "--webhook-url": "webhook_url",
	"--webhook-key": "webhook_key", "--webhook-shape": "webhook_shape",
	"--response-shape": "response_shape", "--image-format": "image_format",
}

// flag applies one `faceauth mock` flag as the command does.
func (c *config) flag(flag, value string) error {
	number := func(bits int) (any, error) {
		if bits == 64 {
			return strconv.ParseFloat(value, 64)
		}
		return strconv.ParseUint(value, 10, bits)
	}
	if field, ok := stringFlags[flag]; ok {
		c.fields[field] = value
		return nil
	}
	var err error
	switch flag {
	case "--seed": // the file's fields, under the flags given so far and after
		var seed map[string]any
		text, rerr := os.ReadFile(value)
		if rerr != nil {
			return rerr
		}
		if err := json.Unmarshal(text, &seed); err != nil {
			return fmt.Errorf("the seed file %s: %w", value, err)
		}
		for k, v := range seed {
			if _, set := c.fields[k]; !set {
				c.fields[k] = v
			}
		}
	case "--port":
		c.fields["port"], err = number(16)
	case "--allow-ip":
		ips, _ := c.fields["allowed_ips"].([]any)
		c.fields["allowed_ips"] = append(ips, value)
	case "--latency-ms":
		c.faults()["latency_ms"], err = number(63)
	case "--fault-seed":
		c.faults()["seed"], err = number(63)
	case "--error-rate":
		c.faults()["error_rate"], err = number(64)
	case "--drop-rate":
		c.faults()["drop_rate"], err = number(64)
	default:
		return fmt.Errorf("WithArgs: %s is not a `faceauth mock` flag faceauthtest knows (use WithConfig)", flag)
	}
	if err != nil {
		return fmt.Errorf("%s %q: %w", flag, value, err)
	}
	return nil
}

// Binary finds the `faceauth` command: $FACEAUTH_BIN, target/debug/faceauth of this checkout,
// or `faceauth` on $PATH.
//
// Deprecated: StartSimulator runs the simulator in the test's process and needs no command.
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

// StartSimulator starts the simulator on a free loopback port, in this process. It fails the
// test if the configuration is refused, and stops the simulator when the test ends.
func StartSimulator(t testing.TB, opts ...Option) *Simulator {
	t.Helper()
	c := config{fields: map[string]any{}}
	for _, o := range opts {
		o(&c)
	}
	if c.err != nil {
		t.Fatalf("faceauthtest: %v", c.err)
	}
	defaults := map[string]string{"api_key": "faceauthtest-key-0123456789abcdefghij", "project_id": "faceauthtest-project",
		"host": "127.0.0.1"}
	for k, v := range defaults {
		if _, set := c.fields[k]; !set {
			c.fields[k] = v
		}
	}
	if _, set := c.fields["port"]; !set {
		c.fields["port"] = 0
	}
	apiKey, _ := c.fields["api_key"].(string)
	projectID, _ := c.fields["project_id"].(string)
	js, err := json.Marshal(c.fields)
	if err != nil {
		t.Fatalf("faceauthtest: the configuration: %v", err)
	}
	sim, cerr := capi.StartSimulator(js)
	clear(js) // it holds the keys
	if cerr != nil {
		t.Fatalf("faceauthtest: the simulator did not start: %v", cerr)
	}
	t.Cleanup(sim.Close)
	return &Simulator{URL: sim.BaseURL(), APIKey: apiKey, ProjectID: projectID, t: t, sim: sim,
		http: &http.Client{Timeout: 30 * time.Second}}
}

// check fails the test on err.
func (s *Simulator) check(what string, err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("faceauthtest: %s: %v", what, err)
	}
}

// jsonText is v as JSON text.
func (s *Simulator) jsonText(v any) string {
	s.t.Helper()
	js, err := json.Marshal(v)
	s.check("encoding JSON", err)
	return string(js)
}

// Control calls a control endpoint (/_mock/<path>) over HTTP: a POST of body when body is not
// nil, else a GET. It fails the test on any error or non-2xx answer and returns the answer's
// body. The methods below cover the common ones.
func (s *Simulator) Control(path string, body any) []byte {
	s.t.Helper()
	method, reader := http.MethodGet, io.Reader(nil)
	if body != nil {
		method, reader = http.MethodPost, strings.NewReader(s.jsonText(body))
	}
	req, err := http.NewRequest(method, s.URL+"/_mock/"+path, reader)
	s.check("control request", err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	s.check(method+" /_mock/"+path, err)
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
	s.check("adding a submission", s.sim.AddSubmission(s.jsonText(map[string]string{"id": id, "status": status})))
}

// AddResults adds n approved results of submission sid, created step apart from start.
func (s *Simulator) AddResults(n int, sid string, start time.Time, step time.Duration) {
	s.t.Helper()
	_, err := s.sim.AddResults(s.jsonText(map[string]any{"count": n, "submission_id": sid,
		"start": start.UTC().Format(time.RFC3339), "step_seconds": step.Seconds()}))
	s.check("adding results", err)
}

// AdvanceClock moves the simulator's clock (token time rules, result times) forward.
func (s *Simulator) AdvanceClock(d time.Duration) {
	s.t.Helper()
	_, err := s.sim.AdvanceClock(d.Seconds())
	s.check("advancing the clock", err)
}

// Faults sets one-shot or standing faults, by the names of Python's Simulator.faults:
// {"fail_next": 1, "fail_status": 502}, {"latency_ms": 500}, {"drop_next": 1}, …
func (s *Simulator) Faults(faults map[string]any) {
	s.t.Helper()
	_, err := s.sim.Faults(s.jsonText(faults))
	s.check("setting faults", err)
}

// Page is the hosted page's answer to a link.
type Page struct {
	Status     int    // 200, or 410 for a spent token, 400/403/404 for a bad link
	AuthID     string `json:"auth_id"`     // the new result's id (200 only)
	AuthStatus string `json:"auth_status"` // "approved" or "rejected" (200 only)
	Body       string // the page's JSON
}

// Open opens a link as the user's browser would (GET on the hosted page): the simulator
// decrypts it, enforces the token rule, records a result and queues the webhooks.
func (s *Simulator) Open(link string) Page {
	s.t.Helper()
	if !strings.HasPrefix(link, s.URL+"/") {
		s.t.Fatalf("faceauthtest: %q is not a link to this simulator (%s)", link, s.URL)
	}
	answer, err := s.sim.Open(link, "")
	s.check("opening the link", err)
	var visit struct {
		Status int             `json:"status"`
		JSON   json.RawMessage `json:"json"`
	}
	s.check("the page's answer", json.Unmarshal([]byte(answer), &visit))
	p := Page{Status: visit.Status, Body: string(visit.JSON)}
	if p.Status == http.StatusOK {
		s.check("the page's answer", json.Unmarshal(visit.JSON, &p))
	}
	return p
}

// Webhooks returns every webhook body the simulator has sent (its outbox), oldest first: the
// JSON a receiver got (re-encoded, so the same values, maybe not the same bytes; an encrypted
// webhook is its {"data": "…"} form).
func (s *Simulator) Webhooks() [][]byte {
	s.t.Helper()
	answer, err := s.sim.Webhooks()
	s.check("reading the webhooks", err)
	var bodies []json.RawMessage
	s.check("reading the webhooks", json.Unmarshal([]byte(answer), &bodies))
	out := make([][]byte, len(bodies))
	for i, b := range bodies {
		// The outbox holds the parsed JSON; a string is a body that was not JSON.
		var text string
		if json.Unmarshal(b, &text) == nil {
			out[i] = []byte(text)
		} else {
			out[i] = bytes.Clone(b)
		}
	}
	return out
}

// Requests returns how many requests each REST route received and processed.
func (s *Simulator) Requests() (received, processed map[string]int) {
	s.t.Helper()
	answer, err := s.sim.Report("requests")
	s.check("reading the request counts", err)
	var r struct{ Received, Processed map[string]int }
	s.check("reading the request counts", json.Unmarshal([]byte(answer), &r))
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
