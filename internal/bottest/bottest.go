// Package bottest runs a whole bot for tests: the real router on httptest,
// a real Redis (redistest), the real connector client talking to a fake
// Bot Connector on httptest, and the real engine, renderer and sealing.
// It assembles package bot with its parts, as cmd/graensen does, so it
// sits beside bot/, not below it (nothing below bot/ imports bot).
package bottest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/auth"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/outbox"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/contenttest"
	"github.com/kk/graensen/locales"
)

// Sent is one request the fake Bot Connector received.
type Sent struct {
	Method, Path string
	Activity     schema.Activity
}

// Connector is a Bot Connector on httptest: it records what the bot
// sends and answers with activity ids (or with the statuses queued).
type Connector struct {
	Srv  *httptest.Server
	Mu   sync.Mutex
	got  []Sent
	Fail []int // statuses (or Drop, Hang) to answer before succeeding
	// FailMethod, when set, plays Fail only to requests of that method
	// (e.g. DELETE); the others succeed meanwhile.
	FailMethod string
	// RetryAfter, when set, is sent as the Retry-After header of every
	// queued 429.
	RetryAfter string
	attempts   int
	cond       *sync.Cond
}

// Faults a Connector can play instead of a status in Fail.
const (
	// Drop reads the request, then closes the connection without an answer.
	Drop = -1
	// Hang reads the request and answers nothing until the client gives up.
	Hang = -2
)

func NewConnector(t testing.TB) *Connector {
	f := &Connector{}
	f.cond = sync.NewCond(&f.Mu)
	f.Srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.Mu.Lock()
		f.attempts++
		if len(f.Fail) > 0 && (f.FailMethod == "" || f.FailMethod == r.Method) {
			code := f.Fail[0]
			f.Fail = f.Fail[1:]
			retryAfter := f.RetryAfter
			f.cond.Broadcast() // an attempt arrived (WaitAttempts)
			f.Mu.Unlock()
			switch code {
			case Drop:
				if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
					_ = conn.Close()
				}
			case Hang:
				select {
				case <-r.Context().Done():
				case <-time.After(30 * time.Second):
				}
			default:
				if code == http.StatusTooManyRequests && retryAfter != "" {
					w.Header().Set("Retry-After", retryAfter)
				}
				w.WriteHeader(code)
			}
			return
		}
		defer f.Mu.Unlock()
		var a schema.Activity
		_ = json.Unmarshal(body, &a)
		f.got = append(f.got, Sent{Method: r.Method, Path: r.URL.Path, Activity: a})
		f.cond.Broadcast()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"bot-act-1"}`))
	}))
	t.Cleanup(f.Srv.Close)
	return f
}

// Attempts is how many requests arrived, failed ones included.
func (f *Connector) Attempts() int {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return f.attempts
}

// Wait returns once n requests arrived (or fails the test after 5 s).
func (f *Connector) Wait(t testing.TB, n int) []Sent {
	t.Helper()
	got, ok := f.Until(5*time.Second, func(got []Sent) bool { return len(got) >= n })
	if !ok {
		t.Fatalf("connector got %d requests, want %d", len(got), n)
	}
	return got
}

// Until waits up to d for cond to hold for everything received so far and
// returns a copy of it, with whether cond held. cond runs with f.Mu held,
// once at the start and again at each arrival: it must not keep the slice
// nor call f's methods.
func (f *Connector) Until(d time.Duration, cond func(got []Sent) bool) ([]Sent, bool) {
	var held []Sent // what cond held for, copied under the same lock
	if f.await(d, func() bool {
		if !cond(f.got) {
			return false
		}
		held = append([]Sent(nil), f.got...)
		return true
	}) {
		return held, true
	}
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return append([]Sent(nil), f.got...), false
}

// WaitAttempts waits up to d for n requests to have arrived, failed ones
// included, and returns how many did (fewer than n if d passed first).
func (f *Connector) WaitAttempts(n int, d time.Duration) int {
	f.await(d, func() bool { return f.attempts >= n })
	return f.Attempts()
}

// await blocks on the signal the server broadcasts at each arrival until
// cond (called with f.Mu held) holds, or until d has passed: a timer then
// broadcasts the same signal once more. It reports whether cond held.
func (f *Connector) await(d time.Duration, cond func() bool) bool {
	expired := false
	timer := time.AfterFunc(d, func() {
		f.Mu.Lock()
		defer f.Mu.Unlock()
		expired = true
		f.cond.Broadcast()
	})
	defer timer.Stop()
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for !cond() {
		if expired {
			return false
		}
		f.cond.Wait()
	}
	return true
}

// Settle waits a moment and returns everything received (to assert that
// nothing more arrives).
func (f *Connector) Settle(d time.Duration) []Sent {
	time.Sleep(d)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return append([]Sent(nil), f.got...)
}

// FakeVerifier accepts exactly "Bearer good".
type FakeVerifier struct{}

func (FakeVerifier) Verify(_ context.Context, h, _, _ string) (*auth.Claims, error) {
	if h == "Bearer good" {
		return &auth.Claims{}, nil
	}
	return nil, auth.ErrUnauthorized
}

type Harness struct {
	t   testing.TB
	Bot *bot.Bot
	// Send is the bot's Sender, made before the effects (report.Sender).
	Send   *bot.Sender
	HTTP   *httptest.Server
	Conn   *Connector
	Store  *redisstore.Store
	Prefix string
	Logs   *SyncBuffer
	Hasher *seal.Hasher
	Keys   *seal.Keyring
}

type Options struct {
	Verifier bot.Verifier
	AppID    string
	// CommitHooks builds the bot's commit hooks (campaigns: team channels,
	// sealed Entra ids, who removed the app).
	CommitHooks func(h *Harness) []effect.CommitHook
	Local       bool
	Store       *redisstore.Store // override (e.g. a dead Redis)
	// Engine configures the dialog engine (Content defaults to the fixture
	// library, contenttest.Small).
	Engine dialogs.Config
	// Effects are the features the bot is built with (each a feature's
	// Effect, which takes the outputs its feature owns; see Routes); h.Send
	// (the bot's Sender) is set by the time they are built, h.Bot by the
	// time they run.
	Effects func(h *Harness) []effect.Func
	// ConnectorConfig, if set, adjusts the connector client's configuration
	// (retries, sleep, HTTP client) before it is built.
	ConnectorConfig func(c *connector.Config)
	// Outbox, if set, builds the bot's outbox (issue 15).
	Outbox func(h *Harness) *outbox.Service
	// CountUse receives the turns' use counters (bot.Config.CountUse).
	CountUse func(now time.Time, c dialogs.CountUse)
}

func New(t testing.TB, o Options) *Harness {
	t.Helper()
	rdb, prefix := redistest.New(t)
	store := redisstore.New(rdb, prefix)
	// As cmd/graensen runs it (GRAENSEN_TURN_CACHE): turns read from the
	// process's turn cache where they can.
	if err := store.CacheTurns(1000); err != nil {
		t.Fatal(err)
	}
	if o.Store != nil {
		store = o.Store
	}
	conn := NewConnector(t)
	metrics := bot.NewMetrics()
	ccfg := connector.Config{AppID: "", Observer: metrics, Sleep: func(context.Context, time.Duration) error { return nil }}
	if o.ConnectorConfig != nil {
		o.ConnectorConfig(&ccfg)
	}
	client, err := connector.New(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	hasher, _ := seal.NewHasher(bytes.Repeat([]byte{7}, 32))
	keys, _ := seal.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)})
	logs := &SyncBuffer{}
	r := cards.New(locales.MustBundle())
	if o.Engine.Content == nil {
		o.Engine.Content = contenttest.Small()
	}
	h := &Harness{t: t, Conn: conn, Store: store, Prefix: prefix, Logs: logs, Hasher: hasher, Keys: keys}
	var ob bot.Outbox
	if o.Outbox != nil {
		if s := o.Outbox(h); s != nil {
			ob = s
		}
	}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.Send = bot.NewSender(bot.SenderConfig{Store: store, Connector: client, Renderer: r, Hasher: hasher, Keys: keys, Outbox: ob, Logger: log})
	var effects []effect.Func
	if o.Effects != nil {
		effects = o.Effects(h)
	}
	var hooks []effect.CommitHook
	if o.CommitHooks != nil {
		hooks = o.CommitHooks(h)
	}
	b, err := bot.New(bot.Config{
		AppID: o.AppID, Engine: dialogs.New(o.Engine), Store: store,
		Connector: client, Verifier: o.Verifier, Local: o.Local, Renderer: r, Hasher: hasher, Keys: keys,
		Logger: log, Metrics: metrics, Version: "test-1",
		Routes: Routes(effects...), CommitHooks: hooks, Outbox: ob, Sender: h.Send, CountUse: o.CountUse,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Bot = b
	srv := httptest.NewServer(b.NewRouter())
	h.HTTP = srv
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = b.Drain(ctx)
	})
	return h
}

// Activity builds a Teams-like activity from a user in a 1:1 chat.
func (h *Harness) Activity(typ schema.ActivityTypes, id string) schema.Activity {
	return schema.Activity{
		Type: typ, ID: id, ChannelID: "msteams", ServiceURL: h.Conn.Srv.URL + "/",
		From:         schema.ChannelAccount{ID: "29:user-secret-id", Name: "Karen Hansen", AadObjectID: "aad-0000-secret"},
		Recipient:    schema.ChannelAccount{ID: "28:bot", Name: "Grænsen"},
		Conversation: schema.ConversationAccount{ID: "a:conv-secret-id", ConversationType: "personal", TenantID: "tenant-secret-id"},
		Locale:       "da-DK",
	}
}

func (h *Harness) Message(id, text string) schema.Activity {
	a := h.Activity(schema.Message, id)
	a.Text = text
	return a
}

func (h *Harness) Submit(id string, values map[string]any) schema.Activity {
	a := h.Activity(schema.Message, id)
	a.Value = values
	return a
}

func (h *Harness) Post(a any, authz string) *http.Response {
	h.t.Helper()
	var body []byte
	switch v := a.(type) {
	case []byte:
		body = v
	case string:
		body = []byte(v)
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			h.t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, h.HTTP.URL+"/api/messages", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (h *Harness) MustPost(a any) {
	h.t.Helper()
	if resp := h.Post(a, ""); resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
}

// CardOf returns the Adaptive Card content of a sent activity.
func CardOf(t testing.TB, s Sent) map[string]any {
	t.Helper()
	if len(s.Activity.Attachments) != 1 || s.Activity.Attachments[0].ContentType != cards.ContentType {
		t.Fatalf("activity is not one adaptive card: %+v", s.Activity.Attachments)
	}
	m, ok := s.Activity.Attachments[0].Content.(map[string]any)
	if !ok {
		t.Fatalf("card content is %T", s.Activity.Attachments[0].Content)
	}
	return m
}

// CardText is all text of a card (texts, titles, labels) joined.
func CardText(card any) string {
	var sb strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range []string{"text", "title", "label", "value"} {
				if s, ok := x[k].(string); ok {
					sb.WriteString(s)
					sb.WriteString("\n")
				}
			}
			for k, y := range x {
				if k != "data" {
					walk(y)
				}
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(card)
	return sb.String()
}

// SyncBuffer is a goroutine-safe log sink; Await waits for what it is to
// hold.
type SyncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote Signal
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	s.mu.Unlock()
	s.wrote.Notify()
	return n, err
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Await waits up to d for cond to hold for everything written so far,
// checking it at once and after each write; it returns that text and
// whether cond held.
func (s *SyncBuffer) Await(d time.Duration, cond func(text string) bool) (string, bool) {
	var text string
	ok := s.wrote.Await(d, func() bool { text = s.String(); return cond(text) })
	return text, ok
}

// Signal wakes whoever waits for a change: the code that changes
// something a test waits on calls Notify, and Await checks the test's
// condition again at each Notify. The zero value is ready to use.
type Signal struct {
	mu sync.Mutex
	ch chan struct{} // closed by the next Notify
}

// Notify wakes every Await under way.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// Await waits up to d for cond to hold, checking it at once and after
// each Notify (never on a timer of its own before d); it reports whether
// cond held.
func (s *Signal) Await(d time.Duration, cond func() bool) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		changed := s.next() // taken before the check: a Notify meanwhile is not missed
		if cond() {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			return cond()
		}
	}
}

func (s *Signal) next() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Routes is an effect table for a bot built with a part of the features:
// every domain output of the dialogs goes to the first of effects that
// takes it (a feature's Effect takes the outputs it owns), and an output
// none takes fails its turn, as one the bot cannot carry out. The bot
// dispatches through it as through the table cmd/graensen builds.
func Routes(effects ...effect.Func) []effect.Route {
	first := func(ctx context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
		for _, eff := range effects {
			if p, ok, err := eff(ctx, tc, o); ok || err != nil {
				return p, ok, err
			}
		}
		return effect.Prepared{}, false, nil
	}
	var routes []effect.Route
	for _, o := range dialogs.DomainOutputs() {
		routes = append(routes, effect.Route{Output: o, Handle: first})
	}
	return routes
}

func TextCard(msgID string) dialogs.Card {
	return dialogs.Card{Name: "test", Blocks: []dialogs.Block{{Kind: dialogs.BlockHeading, Msg: dialogs.M(msgID)}}}
}

// Elements lists every element of a rendered card (any JSON object with a
// "type", e.g. an Action.Submit or an Input.Toggle) in document order: map
// keys are visited sorted, so "actions" comes before "body".
func Elements(card any) []map[string]any {
	var out []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["type"].(string); ok {
				out = append(out, x)
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k])
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(card)
	return out
}

// Submits lists the data of every Action.Submit of a rendered card, in
// document order.
func Submits(card any) []map[string]any {
	var out []map[string]any
	for _, el := range Elements(card) {
		if d, ok := el["data"].(map[string]any); ok && el["type"] == "Action.Submit" {
			out = append(out, d)
		}
	}
	return out
}

// GetWithToken sends GET url with the bearer token (none when empty) and
// returns the status and body: the admin API as a client calls it.
func GetWithToken(t testing.TB, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}
