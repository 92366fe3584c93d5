package connector_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/connector"
)

const (
	testAppID    = "00000000-1111-2222-3333-444444444444"
	testPassword = "s3cret"
	testTenant   = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	testToken    = "tok-1"
	// A Teams channel-thread conversation id: ':' '@' ';' and '=' inside.
	testConvID = "19:abc@thread.tacv2;messageid=1700000000000"
)

// tokenServer is a fake Entra ID token endpoint that checks the
// client-credentials form fields and counts hits.
type tokenServer struct {
	*httptest.Server
	hits      atomic.Int32
	expiresIn int
}

func newTokenServer(t *testing.T) *tokenServer {
	t.Helper()
	ts := &tokenServer{expiresIn: 3600}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ts.hits.Add(1)
		if r.Method != http.MethodPost {
			t.Errorf("token endpoint: method %s, want POST", r.Method)
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("token endpoint: parse form: %v", err)
		}
		want := map[string]string{
			"grant_type":    "client_credentials",
			"client_id":     testAppID,
			"client_secret": testPassword,
			"scope":         "https://api.botframework.com/.default",
		}
		for k, v := range want {
			if got := r.PostForm.Get(k); got != v {
				t.Errorf("token endpoint: form %s = %q, want %q", k, got, v)
			}
		}
		time.Sleep(20 * time.Millisecond) // widen the window for concurrent callers
		w.Header().Set("Content-Type", "application/json")
		tok := testToken
		if n > 1 {
			tok = fmt.Sprintf("tok-%d", n)
		}
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, tok, ts.expiresIn)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// failingTokenServer fails the test if it is ever called.
func failingTokenServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("token endpoint must not be called, got %s %s", r.Method, r.URL)
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	t.Cleanup(s.Close)
	return s
}

// request is what the fake connector saw.
type request struct {
	Method      string
	EscapedPath string
	RequestURI  string
	Auth        string
	ContentType string
	Body        string
}

// fakeConnector is a fake Bot Connector. respond decides the answer to the
// n-th (0-based) request.
type fakeConnector struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newFakeConnector(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *fakeConnector {
	t.Helper()
	fc := &fakeConnector{}
	fc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fc.mu.Lock()
		n := len(fc.reqs)
		fc.reqs = append(fc.reqs, request{
			Method:      r.Method,
			EscapedPath: r.URL.EscapedPath(),
			RequestURI:  r.RequestURI,
			Auth:        r.Header.Get("Authorization"),
			ContentType: r.Header.Get("Content-Type"),
			Body:        string(body),
		})
		fc.mu.Unlock()
		respond(n, w, r)
	}))
	t.Cleanup(fc.Close)
	return fc
}

func (fc *fakeConnector) requests() []request {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return append([]request(nil), fc.reqs...)
}

// status answers every request with code and body.
func status(code int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// thenOK answers the first n requests with first, and later ones 200 {"id":"act-1"}.
func thenOK(n int, first func(int, http.ResponseWriter, *http.Request)) func(int, http.ResponseWriter, *http.Request) {
	return func(i int, w http.ResponseWriter, r *http.Request) {
		if i < n {
			first(i, w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"act-1"}`)
	}
}

// hijackClose drops the connection without answering.
func hijackClose(t *testing.T) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("response writer cannot hijack")
			return
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
	}
}

// sleepRecorder is an injected Sleep that records the requested waits and
// returns at once (or the context's error).
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

func identity(d time.Duration) time.Duration { return d }

// localClient returns a local-mode client (no AppID) with recorded sleeps
// and identity jitter.
func localClient(t *testing.T, cfg connector.Config) (*connector.Client, *sleepRecorder) {
	t.Helper()
	sr := &sleepRecorder{}
	if cfg.Sleep == nil {
		cfg.Sleep = sr.Sleep
	}
	if cfg.Jitter == nil {
		cfg.Jitter = identity
	}
	c, err := connector.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, sr
}

func authClient(t *testing.T, tokenURL string) *connector.Client {
	t.Helper()
	c, err := connector.New(connector.Config{
		AppID:       testAppID,
		AppPassword: testPassword,
		TenantID:    testTenant,
		TokenURL:    tokenURL,
		Sleep:       (&sleepRecorder{}).Sleep,
		Jitter:      identity,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func msg(text string) *schema.Activity {
	return &schema.Activity{Type: schema.Message, Text: text}
}

func TestSendPostsEscapedPathWithBearerToken(t *testing.T) {
	tok := newTokenServer(t)
	fc := newFakeConnector(t, status(http.StatusCreated, `{"id":"act-1"}`))
	c := authClient(t, tok.URL)

	for _, svc := range []string{fc.URL + "/teams/", fc.URL + "/teams"} {
		id, err := c.Send(context.Background(), svc, testConvID, msg("hello"))
		if err != nil {
			t.Fatalf("Send(%q): %v", svc, err)
		}
		if id != "act-1" {
			t.Errorf("Send id = %q, want act-1", id)
		}
	}
	reqs := fc.requests()
	if len(reqs) != 2 {
		t.Fatalf("connector saw %d requests, want 2", len(reqs))
	}
	wantPath := "/teams/v3/conversations/" + url.PathEscape(testConvID) + "/activities"
	for _, r := range reqs {
		if r.Method != http.MethodPost {
			t.Errorf("method = %s, want POST", r.Method)
		}
		if r.EscapedPath != wantPath || r.RequestURI != wantPath {
			t.Errorf("path = %q (uri %q), want %q", r.EscapedPath, r.RequestURI, wantPath)
		}
		if !strings.Contains(r.RequestURI, "%3Bmessageid") {
			t.Errorf("';' in conversation id not escaped: %q", r.RequestURI)
		}
		if r.Auth != "Bearer "+testToken {
			t.Errorf("Authorization = %q, want Bearer %s", r.Auth, testToken)
		}
		if !strings.HasPrefix(r.ContentType, "application/json") {
			t.Errorf("Content-Type = %q", r.ContentType)
		}
		var a schema.Activity
		if err := json.Unmarshal([]byte(r.Body), &a); err != nil {
			t.Fatalf("body is not an activity: %v (%s)", err, r.Body)
		}
		if a.Text != "hello" || a.Type != schema.Message {
			t.Errorf("body activity = %+v", a)
		}
	}
	if got := tok.hits.Load(); got != 1 {
		t.Errorf("token endpoint hit %d times, want 1", got)
	}
}

func TestSlashInConversationIDIsEscaped(t *testing.T) {
	fc := newFakeConnector(t, status(http.StatusOK, `{"id":"x"}`))
	c, _ := localClient(t, connector.Config{})
	if _, err := c.Send(context.Background(), fc.URL, "a/b?c#d", msg("x")); err != nil {
		t.Fatal(err)
	}
	want := "/v3/conversations/a%2Fb%3Fc%23d/activities"
	if got := fc.requests()[0].RequestURI; got != want {
		t.Errorf("RequestURI = %q, want %q", got, want)
	}
}

func TestTokenCachedAcrossConcurrentSends(t *testing.T) {
	tok := newTokenServer(t)
	fc := newFakeConnector(t, status(http.StatusOK, `{"id":"act-1"}`))
	c := authClient(t, tok.URL)

	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := c.Send(context.Background(), fc.URL, testConvID, msg(fmt.Sprint(i))); err != nil {
				t.Errorf("Send %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if got := tok.hits.Load(); got != 1 {
		t.Errorf("token endpoint hit %d times, want 1", got)
	}
	for _, r := range fc.requests() {
		if r.Auth != "Bearer "+testToken {
			t.Errorf("Authorization = %q", r.Auth)
		}
	}
	if n := len(fc.requests()); n != 20 {
		t.Errorf("connector saw %d requests, want 20", n)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	tok := newTokenServer(t)
	tok.expiresIn = 5 // shorter than the refresh margin: never reusable
	fc := newFakeConnector(t, status(http.StatusOK, `{"id":"act-1"}`))
	c := authClient(t, tok.URL)
	for range 2 {
		if _, err := c.Send(context.Background(), fc.URL, testConvID, msg("x")); err != nil {
			t.Fatal(err)
		}
	}
	if got := tok.hits.Load(); got != 2 {
		t.Errorf("token endpoint hit %d times, want 2 (refresh of a nearly expired token)", got)
	}
	if got := fc.requests()[1].Auth; got != "Bearer tok-2" {
		t.Errorf("second Authorization = %q, want the refreshed token", got)
	}
}

func TestLocalModeSendsNoToken(t *testing.T) {
	bad := failingTokenServer(t)
	fc := newFakeConnector(t, status(http.StatusOK, `{"id":"act-1"}`))
	c, _ := localClient(t, connector.Config{TokenURL: bad.URL, TenantID: testTenant})
	if got := c.TokenURL(); got != "" {
		t.Errorf("TokenURL() in local mode = %q, want empty", got)
	}
	// Plain http to a non-loopback host is fine without a token; here the
	// fake is on loopback anyway.
	if _, err := c.Send(context.Background(), fc.URL, testConvID, msg("hi")); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(context.Background(), fc.URL, testConvID, "act-1", msg("hi2")); err != nil {
		t.Fatal(err)
	}
	for _, r := range fc.requests() {
		if r.Auth != "" {
			t.Errorf("local mode sent Authorization %q", r.Auth)
		}
	}
}

func TestNewTokenURLAndValidation(t *testing.T) {
	c, err := connector.New(connector.Config{AppID: testAppID, AppPassword: testPassword, TenantID: testTenant})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://login.microsoftonline.com/" + testTenant + "/oauth2/v2.0/token"
	if got := c.TokenURL(); got != want {
		t.Errorf("single-tenant TokenURL() = %q, want %q", got, want)
	}

	c, err = connector.New(connector.Config{AppID: testAppID, AppPassword: testPassword, TenantID: testTenant, AppType: "singleTENANT"})
	if err != nil || c.TokenURL() != want {
		t.Errorf("case-insensitive SingleTenant: url %v, err %v", c, err)
	}

	c, err = connector.New(connector.Config{AppID: testAppID, AppPassword: testPassword, AppType: "multitenant"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.TokenURL(); got != "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token" {
		t.Errorf("multi-tenant TokenURL() = %q", got)
	}

	c, err = connector.New(connector.Config{AppID: testAppID, AppPassword: testPassword, TokenURL: "https://login.partner.microsoftonline.cn/x/oauth2/v2.0/token"})
	if err != nil {
		t.Fatalf("explicit TokenURL without tenant: %v", err)
	}
	if !strings.HasPrefix(c.TokenURL(), "https://login.partner") {
		t.Errorf("TokenURL override ignored: %q", c.TokenURL())
	}

	bad := []connector.Config{
		{AppID: testAppID, AppPassword: testPassword},                             // single-tenant, no tenant
		{AppID: testAppID, AppPassword: testPassword, AppType: "SingleTenant"},    // same, explicit
		{AppID: testAppID, TenantID: testTenant},                                  // no password
		{AppID: testAppID, AppPassword: testPassword, AppType: "UserAssignedMSI"}, // unsupported
		{AppID: testAppID, AppPassword: testPassword, TokenURL: "ftp://x/token"},  // bad token URL
	}
	for i, cfg := range bad {
		if _, err := connector.New(cfg); err == nil {
			t.Errorf("bad config %d accepted", i)
		}
	}
}

func TestTokenFetchFailureIsError(t *testing.T) {
	tokSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid_client","error_description":"AADSTS7000215"}`)
	}))
	defer tokSrv.Close()
	fc := newFakeConnector(t, status(http.StatusOK, `{"id":"x"}`))
	c := authClient(t, tokSrv.URL)

	_, err := c.Send(context.Background(), fc.URL, testConvID, msg("x"))
	if err == nil || !strings.Contains(err.Error(), "fetch token") {
		t.Fatalf("err = %v, want a fetch token error", err)
	}
	// Update retries transport errors, but a token failure is not one.
	if err := c.Update(context.Background(), fc.URL, testConvID, "a", msg("x")); err == nil {
		t.Fatal("Update succeeded without a token")
	}
	if n := len(fc.requests()); n != 0 {
		t.Errorf("connector called %d times without a token", n)
	}
}

func TestTokenNotSentOverPlainHTTPToRemoteHost(t *testing.T) {
	tok := newTokenServer(t)
	c := authClient(t, tok.URL)
	_, err := c.Send(context.Background(), "http://smba.example.invalid/teams/", testConvID, msg("x"))
	if err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("err = %v, want refusal", err)
	}
	if got := tok.hits.Load(); got != 0 {
		t.Errorf("token fetched %d times for a refused request", got)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	fc := newFakeConnector(t, thenOK(1, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	c, sr := localClient(t, connector.Config{})
	id, err := c.Send(context.Background(), fc.URL, testConvID, msg("x"))
	if err != nil || id != "act-1" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	if got := sr.got(); len(got) != 1 || got[0] != 3*time.Second {
		t.Errorf("sleeps = %v, want [3s]", got)
	}
	reqs := fc.requests()
	if len(reqs) != 2 {
		t.Fatalf("attempts = %d, want 2", len(reqs))
	}
	if reqs[0].Body != reqs[1].Body || reqs[1].Body == "" {
		t.Errorf("retry body differs: %q vs %q", reqs[0].Body, reqs[1].Body)
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	fc := newFakeConnector(t, thenOK(1, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(10*time.Second).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	c, sr := localClient(t, connector.Config{})
	if _, err := c.Send(context.Background(), fc.URL, testConvID, msg("x")); err != nil {
		t.Fatal(err)
	}
	got := sr.got()
	if len(got) != 1 || got[0] < 8*time.Second || got[0] > 10*time.Second {
		t.Errorf("sleeps = %v, want one wait in [8s, 10s]", got)
	}
}

func TestRetryAfterTooLongGivesUp(t *testing.T) {
	fc := newFakeConnector(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, sr := localClient(t, connector.Config{MaxRetryAfter: time.Minute})
	_, err := c.Send(context.Background(), fc.URL, testConvID, msg("x"))
	var se *connector.StatusError
	if !errors.As(err, &se) || se.StatusCode != 429 || se.RetryAfter != 120*time.Second {
		t.Fatalf("err = %#v, want 429 StatusError with RetryAfter 120s", err)
	}
	if n := len(fc.requests()); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
	if len(sr.got()) != 0 {
		t.Errorf("slept %v", sr.got())
	}
}

func Test429WithoutRetryAfterBacksOffExponentially(t *testing.T) {
	fc := newFakeConnector(t, status(http.StatusTooManyRequests, `{"error":{"code":"Throttled","message":"slow down"}}`))
	var jittered []time.Duration
	var mu sync.Mutex
	c, sr := localClient(t, connector.Config{
		MaxRetries:  5,
		BaseBackoff: 500 * time.Millisecond,
		MaxBackoff:  5 * time.Second,
		Jitter: func(d time.Duration) time.Duration {
			mu.Lock()
			jittered = append(jittered, d)
			mu.Unlock()
			return d - 100*time.Millisecond // deterministic, proves it is applied
		},
	})
	_, err := c.Send(context.Background(), fc.URL, testConvID, msg("x"))
	var se *connector.StatusError
	if !errors.As(err, &se) || se.StatusCode != 429 || se.Code != "Throttled" || se.Op != "send" {
		t.Fatalf("err = %v, want 429 Throttled StatusError", err)
	}
	if errors.Is(err, connector.ErrUnreachable) {
		t.Error("429 must not be ErrUnreachable")
	}
	wantBase := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second}
	if fmt.Sprint(jittered) != fmt.Sprint(wantBase) {
		t.Errorf("backoff before jitter = %v, want %v", jittered, wantBase)
	}
	var wantSleep []time.Duration
	for _, d := range wantBase {
		wantSleep = append(wantSleep, d-100*time.Millisecond)
	}
	if got := sr.got(); fmt.Sprint(got) != fmt.Sprint(wantSleep) {
		t.Errorf("sleeps = %v, want %v", got, wantSleep)
	}
	if n := len(fc.requests()); n != 6 {
		t.Errorf("attempts = %d, want MaxRetries+1 = 6", n)
	}
}

func TestDefaultJitterWithinBounds(t *testing.T) {
	fc := newFakeConnector(t, status(http.StatusServiceUnavailable, ""))
	sr := &sleepRecorder{}
	c, err := connector.New(connector.Config{MaxRetries: 3, BaseBackoff: time.Second, MaxBackoff: 10 * time.Second, Sleep: sr.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Send(context.Background(), fc.URL, testConvID, msg("x"))
	for i, d := range sr.got() {
		full := time.Second << i
		if d < full/2 || d > full {
			t.Errorf("sleep %d = %v, want in [%v, %v]", i, d, full/2, full)
		}
	}
}

func TestRetryableStatusesAreBounded(t *testing.T) {
	for _, code := range []int{412, 502, 503, 504} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			fc := newFakeConnector(t, status(code, ""))
			c, sr := localClient(t, connector.Config{MaxRetries: 3})
			_, err := c.Send(context.Background(), fc.URL, testConvID, msg("x"))
			var se *connector.StatusError
			if !errors.As(err, &se) || se.StatusCode != code {
				t.Fatalf("err = %v, want StatusError %d", err, code)
			}
			if n := len(fc.requests()); n != 4 {
				t.Errorf("attempts = %d, want 4", n)
			}
			if want := "[500ms 1s 2s]"; fmt.Sprint(sr.got()) != want {
				t.Errorf("sleeps = %v, want %s", sr.got(), want)
			}
		})
	}
	t.Run("recovers", func(t *testing.T) {
		fc := newFakeConnector(t, thenOK(2, status(http.StatusBadGateway, "")))
		c, _ := localClient(t, connector.Config{})
		if id, err := c.Send(context.Background(), fc.URL, testConvID, msg("x")); err != nil || id != "act-1" {
			t.Fatalf("Send = %q, %v", id, err)
		}
		if n := len(fc.requests()); n != 3 {
			t.Errorf("attempts = %d, want 3", n)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		fc := newFakeConnector(t, status(http.StatusServiceUnavailable, ""))
		c, _ := localClient(t, connector.Config{MaxRetries: -1})
		if _, err := c.Send(context.Background(), fc.URL, testConvID, msg("x")); err == nil {
			t.Fatal("want error")
		}
		if n := len(fc.requests()); n != 1 {
			t.Errorf("attempts = %d, want 1", n)
		}
	})
}

func TestNonRetryableStatuses(t *testing.T) {
	for _, code := range []int{400, 401, 413, 500} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			fc := newFakeConnector(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "1") // must not matter
				w.WriteHeader(code)
				io.WriteString(w, `{"error":{"code":"Whatever"}}`)
			})
			c, sr := localClient(t, connector.Config{})
			_, err := c.Send(context.Background(), fc.URL, testConvID, msg("x"))
			var se *connector.StatusError
			if !errors.As(err, &se) || se.StatusCode != code || se.Code != "Whatever" {
				t.Fatalf("err = %v, want StatusError %d", err, code)
			}
			if errors.Is(err, connector.ErrUnreachable) {
				t.Errorf("%d must not be ErrUnreachable", code)
			}
			if n := len(fc.requests()); n != 1 {
				t.Errorf("attempts = %d, want 1", n)
			}
			if len(sr.got()) != 0 {
				t.Errorf("slept %v", sr.got())
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	cases := []struct {
		code int
		body string
		want string
	}{
		{404, `{"error":{"code":"ConversationNotFound","message":"Conversation not found."}}`, "ConversationNotFound"},
		{403, `{"error":{"code":"ConversationBlockedByUser","message":"User blocked the conversation with the bot."}}`, "ConversationBlockedByUser"},
		{403, `not json`, ""},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.code, tc.want), func(t *testing.T) {
			fc := newFakeConnector(t, status(tc.code, tc.body))
			c, _ := localClient(t, connector.Config{})
			_, err := c.Send(context.Background(), fc.URL, testConvID, msg("x"))
			if !errors.Is(err, connector.ErrUnreachable) {
				t.Fatalf("err = %v, want ErrUnreachable", err)
			}
			var se *connector.StatusError
			if !errors.As(err, &se) || se.StatusCode != tc.code || se.Code != tc.want {
				t.Fatalf("StatusError = %+v, want %d %q", se, tc.code, tc.want)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Error() = %q lacks the code", err.Error())
			}
			if n := len(fc.requests()); n != 1 {
				t.Errorf("attempts = %d, want 1", n)
			}
			// Delete reports it the same way.
			if err := c.Delete(context.Background(), fc.URL, testConvID, "act-1"); !errors.Is(err, connector.ErrUnreachable) {
				t.Errorf("Delete err = %v, want ErrUnreachable", err)
			}
		})
	}
}

func TestHugeErrorBodyIsLimited(t *testing.T) {
	fc := newFakeConnector(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"code":"BadArgument","message":"`)
		chunk := strings.Repeat("x", 64<<10)
		for range 64 { // 4 MiB
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		io.WriteString(w, `"}}`)
	})
	c, _ := localClient(t, connector.Config{})
	_, err := c.Send(context.Background(), fc.URL, testConvID, msg("x"))
	var se *connector.StatusError
	if !errors.As(err, &se) || se.StatusCode != 400 || se.Code != "" {
		t.Fatalf("err = %v, want 400 without code (body truncated)", err)
	}
}

func TestDroppedConnectionNotRetriedForPOST(t *testing.T) {
	fc := newFakeConnector(t, hijackClose(t))
	c, sr := localClient(t, connector.Config{})
	ctx := context.Background()

	if _, err := c.Send(ctx, fc.URL, testConvID, msg("x")); err == nil {
		t.Error("Send: want error")
	}
	if _, err := c.Reply(ctx, fc.URL, testConvID, "act-0", msg("x")); err == nil {
		t.Error("Reply: want error")
	}
	if _, err := c.CreateConversation(ctx, fc.URL, schema.ConversationParameters{TenantID: testTenant}); err == nil {
		t.Error("CreateConversation: want error")
	}
	if n := len(fc.requests()); n != 3 {
		t.Errorf("attempts = %d, want exactly 1 per POST (3)", n)
	}
	if len(sr.got()) != 0 {
		t.Errorf("slept %v", sr.got())
	}
}

func TestDroppedConnectionRetriedForPUT(t *testing.T) {
	fc := newFakeConnector(t, thenOK(1, hijackClose(t)))
	c, sr := localClient(t, connector.Config{})
	if err := c.Update(context.Background(), fc.URL, testConvID, "act-1", msg("x")); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if n := len(fc.requests()); n != 2 {
		t.Errorf("attempts = %d, want 2", n)
	}
	if fmt.Sprint(sr.got()) != "[500ms]" {
		t.Errorf("sleeps = %v", sr.got())
	}
}

func TestContextCancelDuringBackoff(t *testing.T) {
	fc := newFakeConnector(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	// Real Sleep (default) so cancellation must interrupt a real timer.
	c, err := connector.New(connector.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Send(ctx, fc.URL, testConvID, msg("x"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("returned after %v, want prompt return", el)
	}
	if n := len(fc.requests()); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

func TestUpdateUsesPUT(t *testing.T) {
	fc := newFakeConnector(t, status(http.StatusOK, `{"id":"act-9"}`))
	c, _ := localClient(t, connector.Config{})
	if err := c.Update(context.Background(), fc.URL+"/", testConvID, "1:act;9", msg("updated")); err != nil {
		t.Fatal(err)
	}
	r := fc.requests()[0]
	if r.Method != http.MethodPut {
		t.Errorf("method = %s, want PUT", r.Method)
	}
	want := "/v3/conversations/" + url.PathEscape(testConvID) + "/activities/" + url.PathEscape("1:act;9")
	if r.RequestURI != want {
		t.Errorf("path = %q, want %q", r.RequestURI, want)
	}
	if !strings.Contains(r.Body, `"text":"updated"`) {
		t.Errorf("body = %s", r.Body)
	}
}

func TestReplyPostsToActivity(t *testing.T) {
	fc := newFakeConnector(t, status(http.StatusOK, `{"id":"act-2"}`))
	c, _ := localClient(t, connector.Config{})
	id, err := c.Reply(context.Background(), fc.URL, testConvID, "act-1", msg("re"))
	if err != nil || id != "act-2" {
		t.Fatalf("Reply = %q, %v", id, err)
	}
	r := fc.requests()[0]
	if r.Method != http.MethodPost || r.RequestURI != "/v3/conversations/"+url.PathEscape(testConvID)+"/activities/act-1" {
		t.Errorf("request = %s %s", r.Method, r.RequestURI)
	}
}

func TestSendWithoutIDInResponse(t *testing.T) {
	fc := newFakeConnector(t, status(http.StatusOK, ""))
	c, _ := localClient(t, connector.Config{})
	id, err := c.Send(context.Background(), fc.URL, testConvID, msg("x"))
	if err != nil || id != "" {
		t.Fatalf("Send = %q, %v; want empty id, nil error", id, err)
	}
}

func TestDeleteUsesDELETE(t *testing.T) {
	fc := newFakeConnector(t, status(http.StatusOK, ""))
	c, _ := localClient(t, connector.Config{})
	if err := c.Delete(context.Background(), fc.URL, testConvID, "act-1"); err != nil {
		t.Fatal(err)
	}
	r := fc.requests()[0]
	if r.Method != http.MethodDelete || r.Body != "" {
		t.Errorf("request = %s body %q", r.Method, r.Body)
	}
	if r.RequestURI != "/v3/conversations/"+url.PathEscape(testConvID)+"/activities/act-1" {
		t.Errorf("path = %q", r.RequestURI)
	}
}

func TestCreateConversation(t *testing.T) {
	fc := newFakeConnector(t, status(http.StatusCreated, `{"id":"a:1new","activityId":"act-7","serviceUrl":"https://smba.trafficmanager.net/emea/"}`))
	c, _ := localClient(t, connector.Config{})
	p := schema.ConversationParameters{
		Bot:         schema.ChannelAccount{ID: "28:" + testAppID},
		Members:     []schema.ChannelAccount{{ID: "29:user"}},
		TenantID:    testTenant,
		ChannelData: map[string]interface{}{"tenant": map[string]interface{}{"id": testTenant}},
	}
	res, err := c.CreateConversation(context.Background(), fc.URL+"/teams/", p)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "a:1new" || res.ActivityID != "act-7" || res.ServiceURL != "https://smba.trafficmanager.net/emea/" {
		t.Errorf("response = %+v", res)
	}
	r := fc.requests()[0]
	if r.Method != http.MethodPost || r.RequestURI != "/teams/v3/conversations" {
		t.Errorf("request = %s %s", r.Method, r.RequestURI)
	}
	var got schema.ConversationParameters
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Bot.ID != p.Bot.ID || len(got.Members) != 1 || got.Members[0].ID != "29:user" || got.TenantID != testTenant {
		t.Errorf("posted parameters = %+v", got)
	}

	fc2 := newFakeConnector(t, status(http.StatusOK, `{}`))
	if _, err := c.CreateConversation(context.Background(), fc2.URL, p); err == nil {
		t.Error("CreateConversation without id in response: want error")
	}
}

type recObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *recObserver) Sent(op string, status int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, fmt.Sprintf("sent %s %d", op, status))
}

func (o *recObserver) Retried(op string, status int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, fmt.Sprintf("retried %s %d", op, status))
}

func TestObserver(t *testing.T) {
	obs := &recObserver{}
	fc := newFakeConnector(t, thenOK(1, status(http.StatusServiceUnavailable, "")))
	c, _ := localClient(t, connector.Config{Observer: obs})
	if _, err := c.Send(context.Background(), fc.URL, testConvID, msg("x")); err != nil {
		t.Fatal(err)
	}
	dropped := newFakeConnector(t, hijackClose(t))
	_, _ = c.Reply(context.Background(), dropped.URL, testConvID, "a", msg("x"))
	del := newFakeConnector(t, status(http.StatusNotFound, ""))
	_ = c.Delete(context.Background(), del.URL, testConvID, "a")

	want := []string{"sent send 503", "retried send 503", "sent send 200", "sent reply 0", "sent delete 404"}
	if fmt.Sprint(obs.events) != fmt.Sprint(want) {
		t.Errorf("events = %q, want %q", obs.events, want)
	}
}

func TestInvalidArguments(t *testing.T) {
	c, _ := localClient(t, connector.Config{})
	ctx := context.Background()
	for _, svc := range []string{"", "ftp://example.com/", "smba.trafficmanager.net/teams", "https://", "https://x/teams?q=1", "https://u:p@x/"} {
		if _, err := c.Send(ctx, svc, testConvID, msg("x")); err == nil {
			t.Errorf("Send with serviceURL %q: want error", svc)
		}
	}
	if _, err := c.Send(ctx, "https://x/", "", msg("x")); err == nil {
		t.Error("empty conversation id: want error")
	}
	if _, err := c.Send(ctx, "https://x/", testConvID, nil); err == nil {
		t.Error("nil activity: want error")
	}
	if err := c.Delete(ctx, "https://x/", testConvID, ""); err == nil {
		t.Error("empty activity id: want error")
	}
}
