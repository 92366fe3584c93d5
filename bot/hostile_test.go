package bot_test

// Hostile input (issue 8, part 4) at the webhook: every request gets a
// clear status, nothing panics, and a refused request leaves no state.
// The slow-client timeouts of the real server are tested in
// cmd/graensen/hostile_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
)

// rawActivity is a message activity as JSON with text spliced in as raw
// bytes (so invalid UTF-8 reaches the decoder as such).
func rawActivity(h *bottest.Harness, id, rawText string) []byte {
	return []byte(`{"type":"message","id":"` + id + `","channelId":"msteams","serviceUrl":"` + h.Conn.Srv.URL + `/",` +
		`"from":{"id":"29:user-secret-id","aadObjectId":"aad-0000-secret"},"recipient":{"id":"28:bot"},` +
		`"conversation":{"id":"a:conv-secret-id","conversationType":"personal"},"locale":"da-DK","text":"` + rawText + `"}`)
}

func noSecretsOrPanics(t *testing.T, h *bottest.Harness, marker string) {
	t.Helper()
	logs := h.Logs.String()
	if strings.Contains(logs, "panic") || (marker != "" && strings.Contains(logs, marker)) {
		t.Errorf("logs contain a panic or the input (%q):\n%.3000s", marker, logs)
	}
}

// TestHostileTextIsAnsweredNotEchoed: invalid UTF-8, lone surrogates,
// control and direction characters, and huge texts are answered with an
// ordinary card; the text never comes back in a card or a log line.
func TestHostileTextIsAnsweredNotEchoed(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	const marker = "zqxhostilemarker"
	big := strings.Repeat(marker+" æøå ", (bot.MaxBody-1024)/len(marker+" æøå "))
	cases := map[string]string{
		"invalid utf-8":                  marker + "\xff\xfe\xc3\x28 hej \xed\xa0\x80",
		"lone surrogates":                marker + `\ud800 \udc00 \udfff`,
		"controls":                       marker + `\u0000\u0001\u001b[31m\u202e\u2066 tekst`,
		"only whitespace":                `\u00a0 \t\n \u2003`,
		"mention only":                   `<at>Grænsen</at>`,
		"html":                           `<p>` + marker + `<script>alert(1)</script></p>`,
		"huge text under the body limit": big,
	}
	i := 0
	for name, text := range cases {
		i++
		id := fmt.Sprintf("hostile-%d", i)
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			resp := h.Post(rawActivity(h, id, text), "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			s, ok := waitReplyTo(h, id, 5*time.Second)
			if !ok {
				t.Fatal("no reply")
			}
			if isApology(s) {
				t.Fatal("answered with the error apology")
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
			b, _ := json.Marshal(s.Activity)
			if !utf8.Valid(b) || strings.Contains(string(b), marker) || strings.Contains(string(b), "<script>") {
				t.Errorf("reply echoes the input or is not UTF-8: %.500s", b)
			}
			if err := cardschema.Validate(bottest.CardOf(t, s)); err != nil {
				t.Errorf("reply card invalid: %v", err)
			}
		})
	}
	noSecretsOrPanics(t, h, marker)
}

// TestHostileBodiesAreRefusedWithoutState: bodies that are not a usable
// activity get 400, 413 or 501 and leave nothing behind: no reply, no key in
// Redis.
func TestHostileBodiesAreRefusedWithoutState(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	msg := func(edit func(a *schema.Activity)) any {
		a := h.Message("refused", "menu")
		edit(&a)
		return a
	}
	obj := func(edit func(m map[string]any)) any {
		b, _ := json.Marshal(h.Message("refused", "menu"))
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		edit(m)
		return m
	}
	invoke := func(name string, value map[string]any) any {
		a := h.Activity(schema.Invoke, "refused-inv")
		a.Name, a.Value = name, value
		return a
	}
	nest := func(n int) string { return strings.Repeat(`{"a":`, n) + `1` + strings.Repeat(`}`, n) }
	cases := []struct {
		name string
		body any
		want int
	}{
		{"empty body", "", http.StatusBadRequest},
		{"not json", "\x00\x01\x02", http.StatusBadRequest},
		{"json array", `[]`, http.StatusBadRequest},
		{"json null", `null`, http.StatusBadRequest},
		{"invalid utf-8 outside strings", "{\"type\":\"message\"\xff}", http.StatusBadRequest},
		{"two objects", `{"type":"message"}{"type":"message"}`, http.StatusBadRequest},
		{"nested 65 deep", `{"type":"message","value":` + nest(64) + `}`, http.StatusBadRequest},
		{"nested 100000 deep in an array", strings.Repeat("[", 100000), http.StatusBadRequest},
		{"one byte over the limit", `{"type":"message","text":"` + strings.Repeat("a", bot.MaxBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"10 MB", strings.Repeat(" ", 10<<20), http.StatusRequestEntityTooLarge},
		{"type is a number", obj(func(m map[string]any) { m["type"] = 5 }), http.StatusBadRequest},
		{"from is a string", obj(func(m map[string]any) { m["from"] = "x" }), http.StatusBadRequest},
		{"text is an object", obj(func(m map[string]any) { m["text"] = map[string]any{} }), http.StatusBadRequest},
		{"value is a string", obj(func(m map[string]any) { m["value"] = "menu" }), http.StatusBadRequest},
		{"value is an array", obj(func(m map[string]any) { m["value"] = []any{1} }), http.StatusBadRequest},
		{"conversation is null-ish", obj(func(m map[string]any) { m["conversation"] = map[string]any{} }), http.StatusBadRequest},
		{"no service url", msg(func(a *schema.Activity) { a.ServiceURL = "" }), http.StatusBadRequest},
		{"no type", msg(func(a *schema.Activity) { a.Type = "" }), http.StatusBadRequest},
		{"another channel", msg(func(a *schema.Activity) { a.ChannelID = "slack" }), http.StatusBadRequest},
		{"channel with different case", msg(func(a *schema.Activity) { a.ChannelID = "MSTEAMS" }), http.StatusBadRequest},
		{"unknown invoke", invoke("composeExtension/query", nil), http.StatusNotImplemented},
		// Dialog invokes (task/fetch, task/submit) are answered; malformed ones refused.
		{"task/fetch invoke without value", invoke("task/fetch", nil), http.StatusBadRequest},
		{"task/fetch invoke with data a string", invoke("task/fetch", map[string]any{"data": "report"}), http.StatusBadRequest},
		{"task/submit invoke with data a list", invoke("task/submit", map[string]any{"data": []any{"report-next"}}), http.StatusBadRequest},
		{"task/cancel invoke", invoke("task/cancel", map[string]any{"data": map[string]any{"a": "report"}}), http.StatusNotImplemented},
		{"invoke with an empty name", invoke("", map[string]any{"action": map[string]any{"verb": "menu"}}), http.StatusNotImplemented},
		{"signin invoke", invoke("signin/verifyState", map[string]any{"state": "x"}), http.StatusNotImplemented},
		{"action invoke without action", invoke("adaptiveCard/action", map[string]any{}), http.StatusBadRequest},
		{"action invoke with action a string", invoke("adaptiveCard/action", map[string]any{"action": "menu"}), http.StatusBadRequest},
		{"action invoke with action a list", invoke("adaptiveCard/action", map[string]any{"action": []any{"menu"}}), http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.Post(tc.body, "")
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	if got := h.Conn.Settle(100 * time.Millisecond); len(got) != 0 {
		t.Errorf("refused requests caused %d sends", len(got))
	}
	if dump := redistest.Dump(context.Background(), t, h.Store.Client(), h.Prefix); len(dump) != 0 {
		t.Errorf("refused requests left state: %v", dump)
	}
	noSecretsOrPanics(t, h, "")
}

// TestActivitiesForAnotherBotAreRefused: with an app id, an activity whose
// recipient is another bot is refused with 400 even with a valid token, and
// writes nothing.
func TestActivitiesForAnotherBotAreRefused(t *testing.T) {
	h := bottest.New(t, bottest.Options{Verifier: bottest.FakeVerifier{}, AppID: "app-1"})
	for i, rcpt := range []string{"28:other-app", "other-app", "28:app-1 ", "28:APP-1", "29:app-1"} {
		a := h.Message(fmt.Sprintf("other-%d", i), "menu")
		a.Recipient.ID = rcpt
		if resp := h.Post(a, "Bearer good"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("recipient %q: status %d, want 400", rcpt, resp.StatusCode)
		}
	}
	for _, ch := range []string{"emulator", "webchat", "test", "slack", ""} {
		a := h.Message("ch-"+ch, "menu")
		a.Recipient.ID = "28:app-1"
		a.ChannelID = ch
		if resp := h.Post(a, "Bearer good"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("channel %q outside local mode: status %d, want 400", ch, resp.StatusCode)
		}
	}
	if got := h.Conn.Settle(100 * time.Millisecond); len(got) != 0 {
		t.Errorf("refused requests caused %d sends", len(got))
	}
	if dump := redistest.Dump(context.Background(), t, h.Store.Client(), h.Prefix); len(dump) != 0 {
		t.Errorf("refused requests left state: %v", dump)
	}
}

// catchAll handles every domain output without doing anything, recording
// that the activity produced one (so the crawl below does not expect a
// reply the real effect would have sent). It keeps the crawl independent
// of which feature effects exist.
type catchAll struct {
	mu  sync.Mutex
	ids map[string][]string
}

func (c *catchAll) effect(_ context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids[tc.Activity.ID] = append(c.ids[tc.Activity.ID], fmt.Sprintf("%T", o))
	return effect.Prepared{}, true, nil
}

func (c *catchAll) had(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ids[id]) > 0
}

// cardActions returns the submit data and input ids of a rendered card.
func cardActions(card any) (acts []map[string]any, inputs []string) {
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if typ, _ := x["type"].(string); typ == "Action.Submit" {
				if d, ok := x["data"].(map[string]any); ok {
					acts = append(acts, d)
				}
			} else if strings.HasPrefix(typ, "Input.") {
				if id, ok := x["id"].(string); ok {
					inputs = append(inputs, id)
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
	return acts, inputs
}

// TestHostileSubmitsNeverBreakATurn walks the bot's own cards the way a
// curious or hostile client could: it clicks the buttons it was sent, but
// also sends their data with the argument missing, of the wrong type, with a
// forged frame tag or action, and fills the card's inputs with wrong types,
// huge strings and nonsense. Every submit must be answered with a valid
// card (never the error apology, never a 500), and no turn may fail.
func TestHostileSubmitsNeverBreakATurn(t *testing.T) {
	ca := &catchAll{ids: map[string][]string{}}
	h := bottest.New(t, bottest.Options{Local: true, Effects: func(*bottest.Harness) []effect.Func { return []effect.Func{ca.effect} }})
	rng := rand.New(rand.NewPCG(8, 8))
	steps := 300
	if testing.Short() {
		steps = 60
	}
	// Seen actions, by action verb, so every verb gets its turn.
	pool := map[string][]map[string]any{}
	var inputs []string
	add := func(s bottest.Sent) {
		if len(s.Activity.Attachments) == 0 {
			return
		}
		acts, ins := cardActions(s.Activity.Attachments[0].Content)
		for _, a := range acts {
			v, _ := a["a"].(string)
			if len(pool[v]) < 8 {
				pool[v] = append(pool[v], a)
			}
		}
		inputs = ins
	}
	wrong := []any{12345, -1.5, true, nil, []any{"menu"}, map[string]any{"a": "menu"}, "", strings.Repeat("ø", 9000), "../../etc/passwd", "\u202e\u0000", "menu", "99999999999999999999"}
	first := h.Message("crawl-0", "menu")
	h.MustPost(first)
	s, _ := waitReplyTo(h, "crawl-0", 5*time.Second)
	add(s)
	for step := 1; step <= steps; step++ {
		id := fmt.Sprintf("crawl-%d", step)
		verbs := make([]string, 0, len(pool))
		for v := range pool {
			verbs = append(verbs, v)
		}
		slices.Sort(verbs)
		base := map[string]any{"a": "menu"}
		if len(verbs) > 0 {
			list := pool[verbs[rng.IntN(len(verbs))]]
			base = list[rng.IntN(len(list))]
		}
		data := map[string]any{}
		for k, v := range base {
			data[k] = v
		}
		mutation := rng.IntN(9)
		switch mutation {
		case 0, 1: // as sent, inputs filled sensibly
			for _, in := range inputs {
				data[in] = "2026-12-01"
			}
		case 2:
			delete(data, "v")
		case 3:
			data["v"] = wrong[rng.IntN(len(wrong))]
		case 4:
			data["t"] = "forged"
		case 5:
			data["a"] = wrong[rng.IntN(len(wrong))]
		case 6:
			for _, in := range inputs {
				data[in] = wrong[rng.IntN(len(wrong))]
			}
		case 7:
			data = map[string]any{}
		case 8:
			for i := 0; i < 100; i++ {
				data[fmt.Sprintf("x%d", i)] = strings.Repeat("x", 100)
			}
		}
		a := h.Submit(id, data)
		if rng.IntN(10) == 0 {
			a.Text = "hvad er sexisme?"
		}
		if code, err := postRaw(h.HTTP.URL, a); err != nil || code != http.StatusOK {
			t.Fatalf("step %d (%v): %d %v", step, data, code, err)
		}
		r, ok := waitReplyTo(h, id, 2*time.Second)
		if !ok {
			if !ca.had(id) {
				t.Fatalf("step %d: no answer to %v", step, data)
			}
			continue
		}
		if isApology(r) {
			t.Fatalf("step %d: %v answered with the error apology; logs:\n%.2000s", step, data, h.Logs.String())
		}
		for _, s := range repliesTo(h, id) {
			if err := cardschema.Validate(bottest.CardOf(t, s)); err != nil {
				t.Fatalf("step %d: %v: card invalid: %v", step, data, err)
			}
			add(s)
		}
	}
	logs := h.Logs.String()
	for _, bad := range []string{"panic", "turn failed", `"level":"ERROR"`} {
		if strings.Contains(logs, bad) {
			t.Errorf("logs contain %q:\n%.3000s", bad, logs)
		}
	}
	verbs := make([]string, 0, len(pool))
	for v := range pool {
		verbs = append(verbs, v)
	}
	slices.Sort(verbs)
	t.Logf("crawled %d steps over verbs %v", steps, verbs)
}
