// Command sender POSTs webhook bodies to a receiver over keep-alive connections, as a sender
// such as Argos would, and reports what came back: every body must be answered, and with the
// status expected. It is the keep-alive sender of `faceauth webhook serve`'s tests
// (tests/serve/run.sh) and of its group-commit benchmark (bench/webhook_serve.py).
//
//	go run tests/serve/sender.go -url http://127.0.0.1:8080/webhook -bodies bodies.jsonl -connections 16
//
// Bodies come one per line. It prints one JSON object: how many were sent and answered, the
// statuses, the seconds taken, webhooks per second, and latency percentiles in milliseconds.
// It exits 1 when a body got no answer or another status than -expect.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "", "where to POST")
	bodiesPath := flag.String("bodies", "", "a file of bodies, one per line")
	connections := flag.Int("connections", 16, "keep-alive connections (one sender each)")
	expect := flag.Int("expect", 200, "the status every body must get")
	timeout := flag.Duration("timeout", 10*time.Second, "how long one request may take")
	flag.Parse()
	if *url == "" || *bodiesPath == "" || *connections < 1 {
		fmt.Fprintln(os.Stderr, "sender: -url, -bodies and -connections >= 1 are required")
		os.Exit(2)
	}
	bodies, err := readBodies(*bodiesPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sender: %v\n", err)
		os.Exit(2)
	}
	client := &http.Client{
		Timeout: *timeout,
		Transport: &http.Transport{
			MaxIdleConns:        *connections,
			MaxIdleConnsPerHost: *connections,
			MaxConnsPerHost:     *connections,
		},
	}

	latencies := make([]time.Duration, len(bodies))
	statuses := make([]int, len(bodies))
	failures := make([]string, len(bodies))
	var wg sync.WaitGroup
	started := time.Now()
	for c := 0; c < *connections; c++ {
		wg.Add(1)
		go func(first int) {
			defer wg.Done()
			for i := first; i < len(bodies); i += *connections {
				begin := time.Now()
				response, err := client.Post(*url, "application/json", bytes.NewReader(bodies[i]))
				if err != nil {
					failures[i] = err.Error()
					continue
				}
				_, _ = io.Copy(io.Discard, response.Body)
				_ = response.Body.Close()
				latencies[i] = time.Since(begin)
				statuses[i] = response.StatusCode
			}
		}(c)
	}
	wg.Wait()
	seconds := time.Since(started).Seconds()

	counts := map[string]int{}
	unanswered, unexpected := 0, 0
	var answered []time.Duration
	firstFailure := ""
	for i := range bodies {
		if failures[i] != "" {
			unanswered++
			if firstFailure == "" {
				firstFailure = failures[i]
			}
			continue
		}
		counts[strconv.Itoa(statuses[i])]++
		answered = append(answered, latencies[i])
		if statuses[i] != *expect {
			unexpected++
		}
	}
	sort.Slice(answered, func(a, b int) bool { return answered[a] < answered[b] })
	report := map[string]any{
		"sent":        len(bodies),
		"answered":    len(answered),
		"unanswered":  unanswered,
		"statuses":    counts,
		"connections": *connections,
		"seconds":     seconds,
		"per_second":  float64(len(answered)) / seconds,
		"p50_ms":      percentile(answered, 0.50),
		"p99_ms":      percentile(answered, 0.99),
		"max_ms":      percentile(answered, 1),
	}
	if firstFailure != "" {
		report["first_failure"] = firstFailure
	}
	out, _ := json.Marshal(report)
	fmt.Println(string(out))
	if unanswered > 0 || unexpected > 0 {
		os.Exit(1)
	}
}

func readBodies(path string) ([][]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	var bodies [][]byte
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		if line := scanner.Bytes(); len(line) > 0 {
			bodies = append(bodies, append([]byte(nil), line...))
		}
	}
	return bodies, scanner.Err()
}

// percentile of sorted latencies, in milliseconds.
func percentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return float64(sorted[i].Microseconds()) / 1000
}
