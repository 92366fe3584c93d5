package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
	"github.com/kk/graensen/locales"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestProductionRefusesToStartWithoutCredentials(t *testing.T) {
	full := map[string]string{
		"GRAENSEN_ENV": "production", "MicrosoftAppId": "11111111-2222-3333-4444-555555555555",
		"MicrosoftAppPassword": "secret", "MicrosoftAppTenantId": "tenant", "REDIS_URL": "redis://127.0.0.1:6379/0",
		"GRAENSEN_HASH_KEY":  "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
		"GRAENSEN_DATA_KEYS": "k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
	}
	if _, err := loadConfig(env(full)); err != nil {
		t.Fatalf("complete production config refused: %v", err)
	}
	for _, drop := range []string{"MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppTenantId", "REDIS_URL", "GRAENSEN_HASH_KEY", "GRAENSEN_DATA_KEYS"} {
		m := map[string]string{}
		for k, v := range full {
			if k != drop {
				m[k] = v
			}
		}
		_, err := loadConfig(env(m))
		if err == nil || !strings.Contains(err.Error(), drop) {
			t.Errorf("without %s: err = %v", drop, err)
		}
		// and serve refuses too, before listening
		if err := serve(context.Background(), env(m), io.Discard, nil); err == nil {
			t.Errorf("serve started without %s", drop)
		}
	}
	for _, bad := range []map[string]string{{"GRAENSEN_ENV": "staging"}, {"PORT": "http"}, {"GRAENSEN_CONV_TTL": "-1h"}, {"GRAENSEN_HASH_KEY": "c2hvcnQ="}, {"GRAENSEN_STATS_MIN": "2"}, {"GRAENSEN_STATS_FLUSH": "soon"}} {
		if _, err := loadConfig(env(bad)); err == nil {
			t.Errorf("config %v accepted", bad)
		}
	}
}

func TestLocalModeDefaults(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Local() || c.Port != "3978" || !c.DevKeys || c.RedisURL != "" {
		t.Fatalf("local defaults: %+v", c)
	}
}

func TestVersionCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "graensen dev") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"nonsense"}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestChatRendersCardsAsTextWithNumberedButtons(t *testing.T) {
	in := strings.NewReader("1\nhjælp\nenglish\n")
	var out bytes.Buffer
	if err := chat(context.Background(), nil, in, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	// The words are the shipped messages', looked up, so that editing a text
	// does not break the test; what is checked is how cards become text.
	r := cards.New(locales.MustBundle())
	da := func(id string) string { return r.Text(dialogs.Danish, dialogs.M(id)) }
	lang := r.Text(dialogs.English, dialogs.M("core.lang.set"))
	lang, _, _ = strings.Cut(lang, ".") // the sentence before its markdown hint
	for _, want := range []string{"== " + da("core.welcome.title") + " ==", "[1] " + da("core.role.employee"),
		"== " + da("core.menu.title") + " ==", "== " + da("core.help.title") + " ==", lang} {
		if !strings.Contains(s, want) {
			t.Errorf("chat output lacks %q:\n%s", want, s)
		}
	}
}

// TestServeEndToEnd starts the real binary's server on a free port against
// a real Redis and a fake Bot Connector, sends a message over HTTP and
// waits for the reply, then shuts down gracefully.
func TestServeEndToEnd(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	var arrived bottest.Signal
	conn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a map[string]any
		_ = json.NewDecoder(r.Body).Decode(&a)
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
		arrived.Notify()
		_, _ = w.Write([]byte(`{"id":"x"}`))
	}))
	defer conn.Close()

	vars := map[string]string{"LOG_LEVEL": "error"}
	if u := redistest.URL(); u != "" {
		_, prefix := redistest.New(t)
		vars["REDIS_URL"], vars["GRAENSEN_REDIS_PREFIX"] = u, prefix
		// A real Redis refuses the development keys (see traps.go).
		vars["GRAENSEN_HASH_KEY"], vars["GRAENSEN_DATA_KEYS"] = testHashKey, testDataKeys
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, env(vars), io.Discard, ln) }()
	base := "http://" + ln.Addr().String()
	waitUp(t, base+"/healthz")

	body := `{"type":"message","id":"e2e-1","channelId":"msteams","serviceUrl":"` + conn.URL + `/","from":{"id":"29:u","aadObjectId":"a"},"recipient":{"id":"28:bot"},"conversation":{"id":"a:c","conversationType":"personal"},"locale":"en-US","text":"help"}`
	resp, err := http.Post(base+"/api/messages", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !arrived.Await(5*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	}) {
		t.Fatal("no reply reached the connector")
	}
	if b, _ := json.Marshal(got[0]); !strings.Contains(string(b), "Help") {
		t.Fatalf("reply: %s", b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no graceful shutdown")
	}
}

func waitUp(t *testing.T, url string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never came up", url)
}
