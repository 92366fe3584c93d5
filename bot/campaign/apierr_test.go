package campaign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot/apierr"
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/dialogs"
)

// failAll fails every command while on, with an error text that must
// never reach a client.
type failAll struct{ on atomic.Bool }

const injected = "dial tcp 10.0.0.7:6379: connection refused (injected, internal detail)"

func (*failAll) DialHook(next redis.DialHook) redis.DialHook { return next }
func (f *failAll) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if f.on.Load() {
			err := errors.New(injected)
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}
func (f *failAll) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if f.on.Load() {
			err := errors.New(injected)
			for _, c := range cmds {
				c.SetErr(err)
			}
			return err
		}
		return next(ctx, cmds)
	}
}

// syncBuf is a log sink safe for the server's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// errorBody decodes the admin API's documented error body, failing the
// test on any other shape.
func errorBody(t *testing.T, body []byte) apierr.Detail {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || len(raw) != 1 || raw["error"] == nil {
		t.Fatalf("not the error body: %s", body)
	}
	var b apierr.Body
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("error body %s: %v", body, err)
	}
	return b.Error
}

// Issue 14, point 5: the admin API answers every error with the stable
// body {"error":{"code","message"}}; a store failure is logged once and
// its text never reaches the client.
func TestAdminAPIErrorBody(t *testing.T) {
	const static = "local-static-token-123"
	logs := &syncBuf{}
	a := newAPIWith(t, static, nil, func(c *campaign.Config) {
		c.Log = slog.New(slog.NewJSONHandler(logs, nil))
	})
	a.addUser(aadN(1), "da-DK", dialogs.Profile{})
	sp := apiSpec()
	sp.Audience.AadIDs = []string{aadN(1)}
	sent := a.createAndStart(static, sp)
	a.run(sent.ID, a.svc)

	for name, c := range map[string]struct {
		method, path, bearer string
		body                 any
		status               int
		code                 string
	}{
		"no token":     {http.MethodGet, "/api/admin/campaigns", "", nil, http.StatusUnauthorized, apierr.Unauthorized},
		"not an admin": {http.MethodGet, "/api/admin/campaigns", a.token(func(c jwt.MapClaims) { c["oid"] = "0b1c2d3e-0000-4000-8000-00000000ffff" }), nil, http.StatusForbidden, apierr.Forbidden},
		"unknown":      {http.MethodGet, "/api/admin/campaigns/c0000000000009999", static, nil, http.StatusNotFound, apierr.NotFound},
		"malformed":    {http.MethodPost, "/api/admin/campaigns", static, "not a spec", http.StatusBadRequest, apierr.BadRequest},
		"invalid":      {http.MethodPost, "/api/admin/campaigns", static, dialogs.CampaignSpec{}, http.StatusBadRequest, apierr.BadRequest},
	} {
		code, body := a.do(c.method, c.path, c.bearer, c.body)
		if code != c.status {
			t.Errorf("%s: %d %s, want %d", name, code, body, c.status)
			continue
		}
		if d := errorBody(t, body); d.Code != c.code {
			t.Errorf("%s: code %q, want %q", name, d.Code, c.code)
		}
	}
	// A conflict names what the state does not allow, in a fixed text
	// (not an internal error's).
	var rec struct{ ID string }
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns/"+sent.ID+"/recall", static, nil); code != http.StatusCreated || json.Unmarshal(body, &rec) != nil {
		t.Fatalf("recall: %d %s", code, body)
	}
	code, body := a.do(http.MethodPost, "/api/admin/campaigns/"+rec.ID+"/recall", static, nil)
	if d := errorBody(t, body); code != http.StatusConflict || d.Code != apierr.Conflict || strings.Contains(d.Message, "invalid campaign") {
		t.Errorf("conflict: %d %+v", code, d)
	}

	// The store goes away: 503 unavailable, the cause logged once.
	hook := &failAll{}
	a.rdb.AddHook(hook)
	hook.on.Store(true)
	before := strings.Count(logs.String(), injected)
	for _, path := range []string{"/api/admin/campaigns", "/api/admin/campaigns/" + sent.ID, "/api/admin/campaigns/" + sent.ID + "/recipients.csv"} {
		code, body := a.do(http.MethodGet, path, static, nil)
		d := errorBody(t, body)
		if code != http.StatusServiceUnavailable || d.Code != apierr.Unavailable {
			t.Errorf("%s with the store down: %d %+v", path, code, d)
		}
		if strings.Contains(string(body), "10.0.0.7") || strings.Contains(string(body), "injected") {
			t.Errorf("%s: the client sees the internal error: %s", path, body)
		}
	}
	code, body = a.do(http.MethodPost, "/api/admin/campaigns/"+sent.ID+"/cancel", static, nil)
	if d := errorBody(t, body); code != http.StatusServiceUnavailable || d.Code != apierr.Unavailable {
		t.Errorf("cancel with the store down: %d %+v", code, d)
	}
	hook.on.Store(false)
	if n := strings.Count(logs.String(), injected) - before; n != 4 {
		t.Errorf("4 failed requests logged the cause %d times:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), sent.ID) || strings.Contains(logs.String(), aadN(1)) {
		t.Errorf("the log names a campaign or a user:\n%s", logs.String())
	}
}
