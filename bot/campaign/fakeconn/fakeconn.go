// Package fakeconn is a fake Bot Connector for campaign tests and the
// benchmark: it enforces a tenant rate limit (token bucket) and Teams'
// per-conversation limits (7/1 s, 8/2 s, 60/30 s, 1800/h), answers a share
// of requests with 429 or 503 at random, plays scripted answers per
// conversation, and counts what it delivered per conversation.
package fakeconn

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// Server is the fake connector.
type Server struct {
	// Rate is the tenant limit per second (0: none); Burst the bucket size
	// (default Rate/10, at least 1).
	Rate, Burst float64
	// P429 and P5xx are the shares of requests answered 429 (Retry-After
	// RetryAfter) or 503 at random.
	P429, P5xx float64
	// RetryAfter is the Retry-After of the 429s (default "1").
	RetryAfter string
	// NoConvLimits turns the per-conversation limits off.
	NoConvLimits bool
	// Latency is added to every answer (Teams takes 100–400 ms a call).
	Latency time.Duration

	mu        sync.Mutex
	script    map[string][]int
	tokens    float64
	last      time.Time
	convs     map[string][]time.Time
	delivered map[string]int
	langs     map[string]string
	texts     map[string]string
	changed   map[string][]string // conv → "PUT <activity id>" / "DELETE <activity id>"
	stats     Stats
	srv       *httptest.Server
}

// Stats are the request counts.
type Stats struct {
	Requests, Delivered, Updates, Deletes                          int
	TenantThrottled, ConvThrottled, Random429, Random5xx, Scripted int
}

// Start runs a Server on loopback and returns it; Close stops it.
func Start(s *Server) *Server {
	if s.RetryAfter == "" {
		s.RetryAfter = "1"
	}
	if s.Burst <= 0 {
		s.Burst = max(1, s.Rate/10)
	}
	s.tokens = s.Burst
	s.script = map[string][]int{}
	s.convs = map[string][]time.Time{}
	s.delivered = map[string]int{}
	s.langs = map[string]string{}
	s.texts = map[string]string{}
	s.changed = map[string][]string{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the serviceUrl to put in references.
func (s *Server) URL() string { return s.srv.URL + "/" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Script makes conversation conv answer these statuses first (then 201).
func (s *Server) Script(conv string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script[conv] = append(s.script[conv], statuses...)
}

// Delivered is how many messages each conversation received.
func (s *Server) Delivered() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.delivered))
	for k, v := range s.delivered {
		out[k] = v
	}
	return out
}

// Lang is the locale of the last message a conversation received, Text
// all text of its card.
func (s *Server) Lang(conv string) (lang, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.langs[conv], s.texts[conv]
}

// Changed lists the updates and deletes a conversation received, as
// "PUT <activity id>" or "DELETE <activity id>".
func (s *Server) Changed(conv string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.changed[conv]...)
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if s.Latency > 0 {
		time.Sleep(s.Latency)
	}
	// /v3/conversations/{id}/activities[/{activityId}]
	rest, ok := strings.CutPrefix(r.URL.Path, "/v3/conversations/")
	conv, _, _ := strings.Cut(rest, "/")
	if !ok || conv == "" {
		http.NotFound(w, r)
		return
	}
	now := time.Now()
	s.mu.Lock()
	s.stats.Requests++
	if r.Method == http.MethodPut || r.Method == http.MethodDelete {
		_, act, _ := strings.Cut(rest, "/activities/")
		s.changed[conv] = append(s.changed[conv], r.Method+" "+act)
		if r.Method == http.MethodDelete {
			s.stats.Deletes++
		} else {
			s.stats.Updates++
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{}`))
		return
	}
	status, retry := 0, ""
	switch {
	case len(s.script[conv]) > 0:
		status = s.script[conv][0]
		s.script[conv] = s.script[conv][1:]
		s.stats.Scripted++
		retry = s.RetryAfter
	case !s.takeToken(now):
		status, retry = http.StatusTooManyRequests, "1"
		s.stats.TenantThrottled++
	case !s.NoConvLimits && !s.convOK(conv, now):
		status, retry = http.StatusTooManyRequests, "1"
		s.stats.ConvThrottled++
	default:
		if x := rand.Float64(); x < s.P429 {
			status, retry = http.StatusTooManyRequests, s.RetryAfter
			s.stats.Random429++
		} else if x < s.P429+s.P5xx {
			status = http.StatusServiceUnavailable
			s.stats.Random5xx++
		}
	}
	if status != 0 {
		s.mu.Unlock()
		if status == http.StatusTooManyRequests && retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"error":{"code":"%s","message":"fake"}}`, codeOf(status))
		return
	}
	s.delivered[conv]++
	s.stats.Delivered++
	var a schema.Activity
	if json.Unmarshal(body, &a) == nil {
		s.langs[conv] = a.Locale
		if len(a.Attachments) == 1 {
			b, _ := json.Marshal(a.Attachments[0].Content)
			s.texts[conv] = string(b)
		}
	}
	n := s.stats.Delivered
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, `{"id":"act-%d"}`, n)
}

func codeOf(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "Throttled"
	case http.StatusForbidden:
		return "ConversationBlockedByUser"
	case http.StatusNotFound:
		return "ConversationNotFound"
	case http.StatusPreconditionFailed:
		return "PreconditionFailed"
	}
	return "ServiceError"
}

// takeToken is the tenant token bucket.
func (s *Server) takeToken(now time.Time) bool {
	if s.Rate <= 0 {
		return true
	}
	if !s.last.IsZero() {
		s.tokens = min(s.Burst, s.tokens+now.Sub(s.last).Seconds()*s.Rate)
	}
	s.last = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

var windows = []struct {
	d time.Duration
	n int
}{{time.Second, 7}, {2 * time.Second, 8}, {30 * time.Second, 60}, {time.Hour, 1800}}

// convOK applies the per-conversation windows (accepted sends only).
func (s *Server) convOK(conv string, now time.Time) bool {
	ts := s.convs[conv]
	for len(ts) > 0 && now.Sub(ts[0]) > time.Hour {
		ts = ts[1:]
	}
	for _, w := range windows {
		n := 0
		for i := len(ts) - 1; i >= 0 && now.Sub(ts[i]) < w.d; i-- {
			n++
		}
		if n >= w.n {
			s.convs[conv] = ts
			return false
		}
	}
	s.convs[conv] = append(ts, now)
	return true
}
