package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/bot/profile"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
)

func TestMessageGetsOneValidCardReply(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	h.MustPost(h.Message("m1", "menu"))
	got := h.Conn.Wait(t, 1)
	s := got[0]
	if s.Method != http.MethodPost || s.Path != "/v3/conversations/a:conv-secret-id/activities" {
		t.Fatalf("sent %s %s", s.Method, s.Path)
	}
	if s.Activity.ReplyToID != "m1" || s.Activity.Conversation.ID != "a:conv-secret-id" {
		t.Fatalf("reply not addressed back: %+v", s.Activity)
	}
	card := bottest.CardOf(t, s)
	if err := cardschema.Validate(card); err != nil {
		t.Fatalf("card invalid: %v", err)
	}
	if txt := bottest.CardText(card); !strings.Contains(txt, "Hvor går grænsen?") {
		t.Fatalf("menu card in Danish expected, got:\n%s", txt)
	}
	if n := len(h.Conn.Settle(50 * time.Millisecond)); n != 1 {
		t.Fatalf("got %d sends, want 1", n)
	}
}

func TestBadInputGetsClearStatus(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	cases := []struct {
		name string
		body any
		want int
	}{
		{"malformed json", `{"type":"message",`, http.StatusBadRequest},
		{"trailing garbage", `{"type":"message"} x`, http.StatusBadRequest},
		{"deeply nested", `{"type":"message","value":{"a":` + deep + `}}`, http.StatusBadRequest},
		{"oversize", `{"type":"message","text":"` + strings.Repeat("x", bot.MaxBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"no conversation", `{"type":"message","channelId":"msteams","serviceUrl":"http://x/"}`, http.StatusBadRequest},
		{"other channel", func() any { a := h.Message("o1", "hi"); a.ChannelID = "slack"; return a }(), http.StatusBadRequest},
		{"unknown activity type", func() any { a := h.Activity("typing", "t1"); return a }(), http.StatusOK},
		{"unknown invoke", func() any { a := h.Activity(schema.Invoke, "i1"); a.Name = "composeExtension/query"; return a }(), http.StatusNotImplemented},
		{"invoke without action", func() any {
			a := h.Activity(schema.Invoke, "i2")
			a.Name = "adaptiveCard/action"
			a.Value = map[string]any{"x": 1}
			return a
		}(), http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.Post(tc.body, "")
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	if got := h.Conn.Settle(50 * time.Millisecond); len(got) != 0 {
		t.Fatalf("bad input caused %d sends", len(got))
	}
	dump := redistest.Dump(context.Background(), t, h.Store.Client(), h.Prefix)
	if len(dump) != 0 {
		t.Fatalf("bad input left state: %v", dump)
	}
}

func TestForgedTokenRefusedBeforeAnySideEffect(t *testing.T) {
	h := bottest.New(t, bottest.Options{Verifier: bottest.FakeVerifier{}, AppID: "app-1"})
	a := h.Message("m1", "menu")
	a.Recipient.ID = "28:app-1"
	for _, authz := range []string{"", "Bearer forged", "Basic abc"} {
		if resp := h.Post(a, authz); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("auth %q: status %d, want 401", authz, resp.StatusCode)
		}
	}
	if got := h.Conn.Settle(50 * time.Millisecond); len(got) != 0 {
		t.Fatalf("refused request caused %d sends", len(got))
	}
	if dump := redistest.Dump(context.Background(), t, h.Store.Client(), h.Prefix); len(dump) != 0 {
		t.Fatalf("refused request wrote state: %v", dump)
	}
	if resp := h.Post(a, "Bearer good"); resp.StatusCode != http.StatusOK {
		t.Fatalf("valid token: status %d", resp.StatusCode)
	}
	h.Conn.Wait(t, 1)
	// Addressed to another bot: refused even with a valid token.
	a.Recipient.ID = "28:someone-else"
	a.ID = "m2"
	if resp := h.Post(a, "Bearer good"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("other bot: status %d, want 400", resp.StatusCode)
	}
}

func TestAuthCannotBeOffOutsideLocalMode(t *testing.T) {
	for _, c := range []struct {
		local bool
		appID string
	}{{false, ""}, {false, "app"}, {true, "app"}} {
		_, err := bot.New(bot.Config{Local: c.local, AppID: c.appID})
		if !errors.Is(err, bot.ErrAuthRequired) {
			t.Errorf("local=%v appID=%q: err = %v, want ErrAuthRequired", c.local, c.appID, err)
		}
	}
}

func TestRedeliveredActivityGetsOneReply(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	a := h.Message("dup-1", "menu")
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); h.MustPost(a) }()
	}
	wg.Wait()
	h.MustPost(a) // again, later
	if got := h.Conn.Settle(100 * time.Millisecond); len(got) != 1 {
		t.Fatalf("got %d replies to one activity delivered 6 times, want 1", len(got))
	}
}

func TestConcurrentMessagesInOneConversationAllAnswered(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); h.MustPost(h.Message(fmt.Sprintf("c-%d", i), "menu")) }()
	}
	wg.Wait()
	if got := h.Conn.Wait(t, 10); len(h.Conn.Settle(50*time.Millisecond)) != 10 {
		t.Fatalf("got %d replies, want 10", len(got))
	}
}

func TestInstallWelcomesOnceAndUninstallForgets(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	inst := h.Activity(schema.InstallationUpdate, "ins-1")
	inst.Action = "add"
	h.MustPost(inst)
	got := h.Conn.Wait(t, 2) // welcome + role question
	for _, s := range got {
		if err := cardschema.Validate(bottest.CardOf(t, s)); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(bottest.CardText(bottest.CardOf(t, got[1])), "Leder") {
		t.Fatalf("second card should ask the role: %s", bottest.CardText(bottest.CardOf(t, got[1])))
	}
	// Teams also announces the install as conversationUpdate: no second welcome.
	cu := h.Activity(schema.ConversationUpdate, "cu-1")
	cu.MembersAdded = []schema.ChannelAccount{{ID: "28:bot"}}
	h.MustPost(cu)
	if n := len(h.Conn.Settle(80 * time.Millisecond)); n != 2 {
		t.Fatalf("got %d cards after the second install event, want 2", n)
	}
	// Picking a role saves it: managers see guidance first.
	h.MustPost(h.Submit("r1", map[string]any{"a": "role", "v": "manager"}))
	menu := bottest.CardText(bottest.CardOf(t, h.Conn.Wait(t, 3)[2]))
	if strings.Index(menu, "Vejledning til ledere") > strings.Index(menu, "Hvor går grænsen?") {
		t.Fatalf("manager menu should list guidance first:\n%s", menu)
	}
	ctx := context.Background()
	keys := redistest.Dump(ctx, t, h.Store.Client(), h.Prefix)
	if !hasKeyWith(keys, "user:") {
		t.Fatalf("no profile stored: %v", keys)
	}
	rm := h.Activity(schema.InstallationUpdate, "ins-2")
	rm.Action = "remove"
	h.MustPost(rm)
	keys = redistest.Dump(ctx, t, h.Store.Client(), h.Prefix)
	if hasKeyWith(keys, "user:") {
		t.Fatalf("uninstall left the profile: %v", keys)
	}
}

func hasKeyWith(m map[string]string, part string) bool {
	for k := range m {
		if strings.Contains(k, part) {
			return true
		}
	}
	return false
}

func TestNothingIdentifyingInRedisOrLogs(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	inst := h.Activity(schema.InstallationUpdate, "ins-1")
	inst.Action = "add"
	h.MustPost(inst)
	h.MustPost(h.Submit("r1", map[string]any{"a": "role", "v": "employee"}))
	h.MustPost(h.Message("m2", "my private words about Karen"))
	h.Conn.Wait(t, 4)
	dump := redistest.Dump(context.Background(), t, h.Store.Client(), h.Prefix)
	secrets := []string{"29:user-secret-id", "user-secret-id", "Karen", "aad-0000-secret", "a:conv-secret-id", "conv-secret-id", "tenant-secret-id", "private words", h.Conn.Srv.URL}
	for k, v := range dump {
		for _, s := range secrets {
			if strings.Contains(k, s) || strings.Contains(v, s) {
				t.Errorf("Redis key %q holds %q", k, s)
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(h.Logs.String(), s) {
			t.Errorf("logs hold %q", s)
		}
	}
}

func TestInvokeAnswersInTheBody(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	a := h.Activity(schema.Invoke, "inv-1")
	a.Name = "adaptiveCard/action"
	a.Value = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": "menu", "data": map[string]any{}}}
	resp := h.Post(a, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var ir bot.InvokeResponse
	if err := json.NewDecoder(resp.Body).Decode(&ir); err != nil {
		t.Fatal(err)
	}
	if ir.StatusCode != 200 || ir.Type != "application/vnd.microsoft.card.adaptive" {
		t.Fatalf("invoke response %+v", ir)
	}
	if err := cardschema.Validate(ir.Value); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Conn.Settle(50 * time.Millisecond)); n != 0 {
		t.Fatalf("invoke also sent %d messages", n)
	}
}

func TestRedisDownGivesKindMessageAndNotReady(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { dead.Close() })
	h := bottest.New(t, bottest.Options{Local: true, Store: redisstore.New(dead, "x:")})
	h.MustPost(h.Message("m1", "menu"))
	got := h.Conn.Wait(t, 1)
	if txt := bottest.CardText(bottest.CardOf(t, got[0])); !strings.Contains(txt, "teknisk fejl") {
		t.Fatalf("want the kind Danish apology, got %q", txt)
	}
	resp, err := http.Get(h.HTTP.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz = %d with Redis down", resp.StatusCode)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	h.MustPost(h.Message("m1", "menu"))
	h.Conn.Wait(t, 1)
	// Metrics are served on their own listener, never on the public port.
	ms := httptest.NewServer(h.Bot.MetricsHandler())
	defer ms.Close()
	base := map[string]string{"/healthz": h.HTTP.URL, "/readyz": h.HTTP.URL, "/metrics": ms.URL}
	for path, want := range map[string]string{"/healthz": `"version":"test-1"`, "/readyz": `"ready"`, "/metrics": `graensen_turns_total{outcome="ok",type="message"} 1`} {
		resp, err := http.Get(base[path] + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s: %d, want %q in:\n%.2000s", path, resp.StatusCode, want, b)
		}
	}
	if resp, err := http.Get(h.HTTP.URL + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public port: %v %v, want 404", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	resp, _ := http.Get(ms.URL + "/metrics")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte(`graensen_connector_requests_total{op="send",status="201"}`)) && !bytes.Contains(b, []byte(`graensen_connector_requests_total{op="send",status="200"}`)) {
		t.Errorf("no connector send metric:\n%.3000s", b)
	}
}

func TestSendToUserUsesSealedReferenceAndDropsUnreachable(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	h.MustPost(h.Message("m1", "english"))
	h.Conn.Wait(t, 1)
	ctx := context.Background()
	key := h.Bot.UserKey("aad-0000-secret")
	card := bottest.TextCard("core.help.title")
	if _, err := h.Bot.SendToUser(ctx, key, card); err != nil {
		t.Fatal(err)
	}
	got := h.Conn.Wait(t, 2)
	if got[1].Path != "/v3/conversations/a:conv-secret-id/activities" || !strings.Contains(bottest.CardText(bottest.CardOf(t, got[1])), "Help") {
		t.Fatalf("proactive send went to %s with %q", got[1].Path, bottest.CardText(bottest.CardOf(t, got[1])))
	}
	// Teams says the user blocked or uninstalled: the reference is dropped.
	h.Conn.Mu.Lock()
	h.Conn.Fail = []int{http.StatusForbidden}
	h.Conn.Mu.Unlock()
	if _, err := h.Bot.SendToUser(ctx, key, card); err == nil {
		t.Fatal("403 not reported")
	}
	if _, err := h.Bot.SendToUser(ctx, key, card); !errors.Is(err, activity.ErrNoReference) {
		t.Fatalf("after 403: err = %v, want ErrNoReference", err)
	}
}

// TestUserKeyFoldsCaseAndKeepsOldKeys: the user key is derived from the
// Entra object id folded to lower case (as campaigns and handler lists
// derive it), and a user whose keys were stored under the id as Teams
// sent it, in upper case, is still found there.
func TestUserKeyFoldsCaseAndKeepsOldKeys(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	ctx := context.Background()
	rdb := h.Store.Client()
	// A stored user from before the folding: an English profile under
	// the hash of the id as sent.
	const sent = "AAD-OLD-Upper"
	old := h.Hasher.Sum("user", "aad:"+sent)
	p, err := profile.Seal(h.Keys, old, dialogs.Profile{Lang: dialogs.English})
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, h.Store.Key("user", old), "v", 1, "p", p).Err(); err != nil {
		t.Fatal(err)
	}
	a := h.Message("m1", "menu") // da-DK: a fresh user would be answered in Danish
	a.From.AadObjectID = sent
	h.MustPost(a)
	if txt := bottest.CardText(bottest.CardOf(t, h.Conn.Wait(t, 1)[0])); !strings.Contains(txt, "Where is the line?") {
		t.Fatalf("stored English profile not found under the old key:\n%s", txt)
	}
	if n, _ := rdb.Exists(ctx, h.Store.Key("user", h.Bot.UserKey(sent))).Result(); n != 0 {
		t.Fatal("a second user was started under the folded key")
	}
	// A new user with an upper-case id is kept under the folded key, the
	// one campaigns address (Sender.UserKey folds too).
	b := h.Message("m2", "menu")
	b.From.AadObjectID, b.Conversation.ID = "AAD-NEW-Upper", "a:conv-2"
	h.MustPost(b)
	h.Conn.Wait(t, 2)
	if h.Bot.UserKey("AAD-NEW-Upper") != h.Bot.UserKey("aad-new-upper") {
		t.Fatal("UserKey does not fold case")
	}
	if n, _ := rdb.Exists(ctx, h.Store.Key("user", h.Bot.UserKey("aad-new-upper"))).Result(); n != 1 {
		t.Fatal("new user not kept under the folded key")
	}
	if n, _ := rdb.Exists(ctx, h.Store.Key("user", h.Hasher.Sum("user", "aad:AAD-NEW-Upper"))).Result(); n != 0 {
		t.Fatal("new user kept under the unfolded key")
	}
}
