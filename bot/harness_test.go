package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/auth"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/locales"
)

// sent is one request the fake Bot Connector received.
type sent struct {
	Method, Path string
	Activity     schema.Activity
}

// fakeConnector is a Bot Connector on httptest: it records what the bot
// sends and answers with activity ids (or with the statuses queued).
type fakeConnector struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []sent
	fail []int // statuses to answer before succeeding
	cond *sync.Cond
}

func newFakeConnector(t *testing.T) *fakeConnector {
	f := &fakeConnector{}
	f.cond = sync.NewCond(&f.mu)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.fail) > 0 {
			code := f.fail[0]
			f.fail = f.fail[1:]
			w.WriteHeader(code)
			return
		}
		var a schema.Activity
		_ = json.Unmarshal(body, &a)
		f.got = append(f.got, sent{Method: r.Method, Path: r.URL.Path, Activity: a})
		f.cond.Broadcast()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"bot-act-1"}`))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// wait returns once n requests arrived (or fails the test after 5 s).
func (f *fakeConnector) wait(t *testing.T, n int) []sent {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("connector got %d requests, want %d", len(f.got), n)
		}
		f.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		f.mu.Lock()
	}
	return append([]sent(nil), f.got...)
}

// settle waits a moment and returns everything received (to assert that
// nothing more arrives).
func (f *fakeConnector) settle(d time.Duration) []sent {
	time.Sleep(d)
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.got...)
}

// fakeVerifier accepts exactly "Bearer good".
type fakeVerifier struct{}

func (fakeVerifier) Verify(_ context.Context, h, _, _ string) (*auth.Claims, error) {
	if h == "Bearer good" {
		return &auth.Claims{}, nil
	}
	return nil, auth.ErrUnauthorized
}

type harness struct {
	t      *testing.T
	bot    *bot.Bot
	http   *httptest.Server
	conn   *fakeConnector
	store  *redisstore.Store
	prefix string
	logs   *syncBuffer
}

type harnessOpts struct {
	verifier bot.Verifier
	appID    string
	local    bool
	store    *redisstore.Store // override (e.g. a dead Redis)
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	rdb, prefix := redistest.New(t)
	store := redisstore.New(rdb, prefix)
	if o.store != nil {
		store = o.store
	}
	conn := newFakeConnector(t)
	metrics := bot.NewMetrics()
	client, err := connector.New(connector.Config{AppID: "", Observer: metrics, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	hasher, _ := seal.NewHasher(bytes.Repeat([]byte{7}, 32))
	keys, _ := seal.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)})
	logs := &syncBuffer{}
	r := cards.New(locales.MustBundle())
	b, err := bot.New(bot.Config{
		AppID: o.appID, Engine: dialogs.New(dialogs.Config{Content: content.MustLoad()}), Store: store,
		Connector: client, Verifier: o.verifier, Local: o.local, Renderer: r, Hasher: hasher, Keys: keys,
		Logger: newTestLogger(logs), Metrics: metrics, Version: "test-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b.NewRouter())
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = b.Drain(ctx)
	})
	return &harness{t: t, bot: b, http: srv, conn: conn, store: store, prefix: prefix, logs: logs}
}

// activity builds a Teams-like activity from a user in a 1:1 chat.
func (h *harness) activity(typ schema.ActivityTypes, id string) schema.Activity {
	return schema.Activity{
		Type: typ, ID: id, ChannelID: "msteams", ServiceURL: h.conn.srv.URL + "/",
		From:         schema.ChannelAccount{ID: "29:user-secret-id", Name: "Karen Hansen", AadObjectID: "aad-0000-secret"},
		Recipient:    schema.ChannelAccount{ID: "28:bot", Name: "Grænsen"},
		Conversation: schema.ConversationAccount{ID: "a:conv-secret-id", ConversationType: "personal", TenantID: "tenant-secret-id"},
		Locale:       "da-DK",
	}
}

func (h *harness) message(id, text string) schema.Activity {
	a := h.activity(schema.Message, id)
	a.Text = text
	return a
}

func (h *harness) submit(id string, values map[string]any) schema.Activity {
	a := h.activity(schema.Message, id)
	a.Value = values
	return a
}

func (h *harness) post(a any, authz string) *http.Response {
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
	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/api/messages", bytes.NewReader(body))
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

func (h *harness) mustPost(a any) {
	h.t.Helper()
	if resp := h.post(a, ""); resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
}

// cardOf returns the Adaptive Card content of a sent activity.
func cardOf(t *testing.T, s sent) map[string]any {
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

// cardText is all text of a card (texts, titles, labels) joined.
func cardText(card any) string {
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

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var errTest = errors.New("test")

func dialogsCard(msgID string) dialogs.Card {
	return dialogs.Card{Name: "test", Blocks: []dialogs.Block{{Kind: dialogs.BlockHeading, Msg: dialogs.M(msgID)}}}
}
