package main

// Hostile clients against the real server (issue 8, part 4): serve's
// http.Server timeouts cut slow clients off, and hostile bodies get a clear
// status with no state left behind. The webhook's own checks are tested in
// more depth in bot/hostile_test.go.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/kk/graensen/internal/bottest"
)

// trickle writes s to conn one byte every interval until done or the
// connection fails; it returns when the server closed or answered.
func trickle(conn net.Conn, s string, interval time.Duration) error {
	for i := 0; i < len(s); i++ {
		if _, err := conn.Write([]byte{s[i]}); err != nil {
			return err
		}
		time.Sleep(interval)
	}
	return nil
}

// endOf waits until the server closes conn or answers; it returns when that
// happened and the status line, if any.
func endOf(conn net.Conn, limit time.Duration) (time.Duration, string) {
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil && line == "" {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return limit, "still open"
		}
		return time.Since(start), ""
	}
	return time.Since(start), strings.TrimSpace(line)
}

// TestSlowClientsAreCutOff: a client that sends its headers slower than
// ReadHeaderTimeout (5 s), or its body slower than ReadTimeout (15 s),
// is disconnected, and while fifty of them hang on, a normal request is
// still answered at once. Without the timeouts these connections would
// stay open as long as the client likes (the trickles below would take
// minutes).
func TestSlowClientsAreCutOff(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the server's 5 s and 15 s timeouts")
	}
	m := miniredis.RunT(t)
	r, err := startServe(t, map[string]string{"REDIS_URL": "redis://" + m.Addr() + "/0", "LOG_LEVEL": "error", "GRAENSEN_HASH_KEY": testHashKey, "GRAENSEN_DATA_KEYS": testDataKeys})
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(r.base, "http://")
	dial := func(t *testing.T) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("slow headers", func(t *testing.T) {
		t.Parallel()
		c := dial(t)
		head := "POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Padding: " + strings.Repeat("a", 200) + "\r\n\r\n"
		go func() { _ = trickle(c, head, 200*time.Millisecond) }() // 40+ s in all
		d, status := endOf(c, 12*time.Second)
		if status == "still open" || d > 8*time.Second {
			t.Fatalf("slow headers: connection %s after %v, want closed after ~5 s", status, d)
		}
		if d < 4*time.Second {
			t.Fatalf("closed after only %v (%q)", d, status)
		}
	})

	t.Run("slow body", func(t *testing.T) {
		t.Parallel()
		c := dial(t)
		body := `{"type":"message","id":"slow","channelId":"msteams","serviceUrl":"http://127.0.0.1:1/","from":{"id":"29:u"},"recipient":{"id":"28:b"},"conversation":{"id":"a:c"},"text":"` + strings.Repeat("x", 400) + `"}`
		fmt.Fprintf(c, "POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
		go func() { _ = trickle(c, body, 100*time.Millisecond) }() // 50+ s in all
		d, status := endOf(c, 25*time.Second)
		if status == "still open" || d > 20*time.Second {
			t.Fatalf("slow body: connection %s after %v, want cut off after ~15 s", status, d)
		}
		if d < 13*time.Second {
			t.Fatalf("cut off after only %v (%q)", d, status)
		}
		if status != "" && !strings.Contains(status, " 400 ") {
			t.Fatalf("slow body answered %q, want 400 or a closed connection", status)
		}
	})

	t.Run("others are served meanwhile", func(t *testing.T) {
		t.Parallel()
		for i := 0; i < 50; i++ {
			c := dial(t)
			go func() { _ = trickle(c, "POST /api/messages HTTP/1.1\r\nHost: x\r\n", 300*time.Millisecond) }()
		}
		time.Sleep(time.Second)
		start := time.Now()
		resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(r.base + "/healthz")
		if err != nil {
			t.Fatalf("healthz while 50 slow clients hang on: %v", err)
		}
		resp.Body.Close()
		if d := time.Since(start); d > time.Second || resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %d after %v", resp.StatusCode, d)
		}
	})
}

// TestHostileRequestsOnTheRealServer sends hostile requests to the real
// server in local mode: each gets its clear status; the refused ones leave
// no key in Redis and send nothing; the accepted ones are answered with a
// card that does not echo what was sent.
func TestHostileRequestsOnTheRealServer(t *testing.T) {
	var mu sync.Mutex
	var got []string
	var arrived bottest.Signal
	conn := newRecorder(t, &mu, &got, &arrived)
	m := miniredis.RunT(t)
	r, err := startServe(t, map[string]string{"REDIS_URL": "redis://" + m.Addr() + "/0", "GRAENSEN_REDIS_PREFIX": "hostile:", "LOG_LEVEL": "debug", "GRAENSEN_HASH_KEY": testHashKey, "GRAENSEN_DATA_KEYS": testDataKeys})
	if err != nil {
		t.Fatal(err)
	}
	msg := func(id, extra string) string {
		return `{"type":"message","id":"` + id + `","channelId":"msteams","serviceUrl":"` + conn + `/","from":{"id":"29:u","aadObjectId":"a"},` +
			`"recipient":{"id":"28:bot"},"conversation":{"id":"a:c","conversationType":"personal"},"locale":"da-DK"` + extra + `}`
	}
	refused := []struct {
		name string
		body string
		want int
	}{
		{"oversize", msg("r1", `,"text":"`+strings.Repeat("x", 300<<10)+`"`), http.StatusRequestEntityTooLarge},
		{"deeply nested", msg("r2", `,"value":`+strings.Repeat(`{"a":`, 100)+`1`+strings.Repeat(`}`, 100)), http.StatusBadRequest},
		{"not json", "\xff\xfe\x00", http.StatusBadRequest},
		{"value of the wrong type", msg("r3", `,"value":"menu"`), http.StatusBadRequest},
		{"another channel", strings.Replace(msg("r4", `,"text":"menu"`), `"msteams"`, `"skype"`, 1), http.StatusBadRequest},
		{"unknown invoke", strings.Replace(msg("r5", `,"name":"composeExtension/query","value":{}`), `"message"`, `"invoke"`, 1), http.StatusNotImplemented},
		{"invoke without action", strings.Replace(msg("r6", `,"name":"adaptiveCard/action","value":{"action":7}`), `"message"`, `"invoke"`, 1), http.StatusBadRequest},
	}
	for _, tc := range refused {
		if code, body := post(t, r.base, tc.body, ""); code != tc.want {
			t.Errorf("%s: status %d (%s), want %d", tc.name, code, body, tc.want)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if keys := keysUnder(m, "hostile:conv"); len(keys) != 0 {
		t.Errorf("refused requests left state: %v", keys)
	}
	mu.Lock()
	if len(got) != 0 {
		t.Errorf("refused requests caused %d replies", len(got))
	}
	mu.Unlock()

	accepted := []struct{ name, body string }{
		{"invalid utf-8", msg("a1", ",\"text\":\"zqxmark \xff\xfe\xc3( hej\"")}, // raw bytes, not escapes
		{"lone surrogate", msg("a2", `,"text":"zqxmark \ud800"`)},
		{"huge text", msg("a3", `,"text":"`+strings.Repeat("zqxmark ", 30000)+`"`)},
		{"submit with wrong types", msg("a4", `,"value":{"a":["menu"],"v":{"x":1},"t":5}`)},
		{"submit without arguments", msg("a5", `,"value":{"a":"guide"}`)},
		{"submit of unknown action", msg("a6", `,"value":{"a":"zqxmark"}`)},
		{"empty submit", msg("a7", `,"value":{}`)},
	}
	for _, tc := range accepted {
		if code, body := post(t, r.base, tc.body, ""); code != http.StatusOK {
			t.Errorf("%s: status %d (%s)", tc.name, code, body)
		}
	}
	arrived.Await(5*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= len(accepted)
	})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(accepted) {
		t.Fatalf("%d replies to %d accepted requests", len(got), len(accepted))
	}
	for _, reply := range got {
		if strings.Contains(reply, "zqxmark") || strings.Contains(reply, "teknisk fejl") {
			t.Errorf("reply echoes the input or apologises: %.300s", reply)
		}
	}
	if logs := r.logs.String(); strings.Contains(logs, "panic") || strings.Contains(logs, "zqxmark") {
		t.Errorf("logs:\n%s", logs)
	}
}

// newRecorder is a Bot Connector that keeps each request body, and
// notifies arrived after each.
func newRecorder(t *testing.T, mu *sync.Mutex, got *[]string, arrived *bottest.Signal) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		*got = append(*got, string(b))
		mu.Unlock()
		arrived.Notify()
		_, _ = io.WriteString(w, `{"id":"x"}`)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// TestOtherBotOrChannelRefusedInProduction: with a genuine token, an
// activity for another bot is refused with 400, and one claiming a channel
// the signing key does not endorse with 401; neither leaves state.
func TestOtherBotOrChannelRefusedInProduction(t *testing.T) {
	bf := newFakeBotFramework(t)
	m := miniredis.RunT(t)
	r, err := startServe(t, prodEnv(bf, "redis://"+m.Addr()+"/0", "other:"))
	if err != nil {
		t.Fatal(err)
	}
	valid := bf.valid(t)
	for _, rcpt := range []string{"28:another-bot", "another-bot", "", "28:" + testAppID + "x"} {
		a := bf.message("o-"+rcpt, "menu")
		a["recipient"] = map[string]any{"id": rcpt}
		code, _ := post(t, r.base, a, valid)
		want := http.StatusBadRequest
		if rcpt == "" {
			want = http.StatusOK // Teams always names the recipient; an empty one is not another bot
		}
		if code != want {
			t.Errorf("recipient %q: status %d, want %d", rcpt, code, want)
		}
	}
	for _, ch := range []string{"emulator", "webchat", "slack"} {
		a := bf.message("c-"+ch, "menu")
		a["channelId"] = ch
		if code, _ := post(t, r.base, a, valid); code != http.StatusUnauthorized && code != http.StatusBadRequest {
			t.Errorf("channel %q: status %d, want 401 or 400", ch, code)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if keys := keysUnder(m, "other:conv"); len(keys) > 1 {
		t.Errorf("refused requests left state: %v", keys)
	}
	if n := bf.replyCount(); n > 1 {
		t.Errorf("%d replies; only the empty-recipient message may be answered", n)
	}
}
