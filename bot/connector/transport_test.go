package connector_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kk/graensen/bot/connector"
)

// A transport error never carries the conversation id (it would reach the
// logs): neither a dropped connection nor a timeout nor a refused dial.
func TestTransportErrorsNameNoConversation(t *testing.T) {
	dropped := newFakeConnector(t, hijackClose(t))
	hang := make(chan struct{})
	slow := newFakeConnector(t, func(_ int, w http.ResponseWriter, _ *http.Request) { <-hang })
	t.Cleanup(func() { close(hang) }) // before the server's Close, which waits for handlers
	refused := "http://" + closedAddr(t)

	c, _ := localClient(t, connector.Config{Timeout: 200 * time.Millisecond})
	for name, svc := range map[string]string{"dropped": dropped.URL, "timeout": slow.URL, "refused": refused} {
		_, err := c.Send(context.Background(), svc, testConvID, msg("x"))
		if err == nil {
			t.Fatalf("%s: want an error", name)
		}
		for _, id := range []string{testConvID, url.PathEscape(testConvID), "conversations/"} {
			if strings.Contains(err.Error(), id) {
				t.Errorf("%s: error %q names %q", name, err, id)
			}
		}
	}
}

// A timed-out attempt ends at Config.Timeout, and a context's earlier
// deadline ends it sooner.
func TestAttemptEndsAtItsTimeoutOrTheContextsDeadline(t *testing.T) {
	hang := make(chan struct{})
	slow := newFakeConnector(t, func(_ int, w http.ResponseWriter, _ *http.Request) { <-hang })
	t.Cleanup(func() { close(hang) }) // before the server's Close, which waits for handlers
	c, _ := localClient(t, connector.Config{Timeout: 300 * time.Millisecond})

	start := time.Now()
	if _, err := c.Send(context.Background(), slow.URL, testConvID, msg("x")); err == nil {
		t.Fatal("want a timeout")
	}
	if el := time.Since(start); el < 250*time.Millisecond || el > 2*time.Second {
		t.Errorf("attempt took %v, want about the 300 ms timeout", el)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err := c.Send(ctx, slow.URL, testConvID, msg("x"))
	if el := time.Since(start); el > 250*time.Millisecond {
		t.Errorf("attempt took %v, want the context's 50 ms", el)
	}
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("err = %v, want the context's deadline", err)
	}
}

// Calls go through the proxy that HTTP_PROXY names, as net/http's
// ProxyFromEnvironment did, and NO_PROXY exempts a host.
func TestProxyFromTheEnvironment(t *testing.T) {
	fc := newFakeConnector(t, status(http.StatusCreated, `{"id":"act-1"}`))
	var tunnels atomic.Int32
	var asked sync.Map
	proxy := connectProxy(t, func(target string) string {
		tunnels.Add(1)
		asked.Store(target, true)
		return fc.Listener.Addr().String() // every tunnel ends at the fake connector
	})
	t.Setenv("HTTP_PROXY", "http://"+proxy)
	t.Setenv("HTTPS_PROXY", "http://"+proxy)
	t.Setenv("NO_PROXY", "")

	c, _ := localClient(t, connector.Config{})
	id, err := c.Send(context.Background(), "http://smba.example.invalid/emea/", testConvID, msg("x"))
	if err != nil || id != "act-1" {
		t.Fatalf("Send through the proxy = %q, %v", id, err)
	}
	if tunnels.Load() != 1 {
		t.Errorf("tunnels = %d, want 1", tunnels.Load())
	}
	if _, ok := asked.Load("smba.example.invalid:80"); !ok {
		t.Error("the proxy was not asked for smba.example.invalid:80")
	}
	if got := fc.requests(); len(got) != 1 || !strings.HasPrefix(got[0].EscapedPath, "/emea/v3/conversations/") {
		t.Errorf("requests at the connector = %+v", got)
	}

	// The fake connector itself is loopback: never proxied.
	if _, err := c.Send(context.Background(), fc.URL, testConvID, msg("x")); err != nil {
		t.Fatal(err)
	}
	if tunnels.Load() != 1 {
		t.Errorf("a loopback call went through the proxy (tunnels = %d)", tunnels.Load())
	}

	t.Setenv("NO_PROXY", "example.invalid")
	direct, _ := localClient(t, connector.Config{Dial: nil})
	if _, err := direct.Send(context.Background(), "http://smba.example.invalid/", testConvID, msg("x")); err == nil {
		t.Error("a NO_PROXY host was sent through the proxy (it does not resolve directly)")
	}
	if tunnels.Load() != 1 {
		t.Errorf("tunnels = %d after a NO_PROXY call, want 1", tunnels.Load())
	}
}

// More calls at once than the pool's connections wait for a free one
// instead of failing. The pool is large (1,024 a host); this sends 64 at
// once to a connector that answers each only after all have arrived or a
// short while has passed, so every call holds its own connection.
func TestConcurrentCallsAllArrive(t *testing.T) {
	const n = 64
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	fc := newFakeConnector(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		arrived++
		if arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(2 * time.Second):
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"a"}`)
	})
	c, _ := localClient(t, connector.Config{})
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range n {
		wg.Go(func() {
			if _, err := c.Send(context.Background(), fc.URL, testConvID, msg("x")); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	select {
	case <-all:
	default:
		t.Errorf("only %d of %d calls were at the connector at once", arrived, n)
	}
	if failed.Load() != 0 {
		t.Errorf("%d calls failed", failed.Load())
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// connectProxy is a minimal HTTP CONNECT proxy: route maps the requested
// target to the address it really connects to.
func connectProxy(t *testing.T, route func(target string) string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				req, err := http.ReadRequest(br)
				if err != nil || req.Method != http.MethodConnect {
					io.WriteString(conn, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
					return
				}
				up, err := net.Dial("tcp", route(req.Host))
				if err != nil {
					io.WriteString(conn, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
					return
				}
				defer up.Close()
				io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
				go io.Copy(up, br)
				io.Copy(conn, up)
			}()
		}
	}()
	return l.Addr().String()
}

// A server that closes a kept connection while it is idle (Node's http
// server does after 5 s, the Bot Framework's Playground among them) costs
// nothing: the connection is seen closed before the next call writes to it,
// and the call goes out on a new one. A POST is not retried after a
// transport error, so without this check that reply would be lost.
func TestServerClosedIdleConnectionIsNotReused(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"act-1"}`)
	}))
	srv.Config.IdleTimeout = 50 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	c, _ := localClient(t, connector.Config{})
	for i := range 3 {
		if _, err := c.Send(context.Background(), srv.URL, testConvID, msg("x")); err != nil {
			t.Fatalf("send %d after the server closed the idle connection: %v", i, err)
		}
		time.Sleep(250 * time.Millisecond) // the server closes the connection meanwhile
	}
	if n := got.Load(); n != 3 {
		t.Errorf("the connector got %d requests, want 3", n)
	}
}
