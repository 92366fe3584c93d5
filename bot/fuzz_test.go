package bot_test

// Fuzz targets of the webhook (issue 8, part 5); their seed corpora are in
// testdata/fuzz/<FuzzName>/ and .ci/fuzz runs each for a short time. Card
// submit parsing and text cleaning are fuzzed inside the package
// (fuzz_internal_test.go).

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/internal/bottest"
)

// onlyTo is an HTTP client that reaches one address whatever URL it is
// given: fuzzed activities name any serviceUrl, and the bot must not send
// replies out into the world during a test.
func onlyTo(addr *atomic.Value) func(string) (net.Conn, error) {
	return func(string) (net.Conn, error) {
		return net.DialTimeout("tcp", addr.Load().(string), 2*time.Second)
	}
}

// FuzzDecodeActivity posts any body through the real router (body limit,
// depth check, decoding, authentication, activity checks, turn kinds, text
// cleaning and submit parsing, and the turn itself). It must never panic
// (the recoverer would answer 500) and must answer one of the statuses the
// webhook promises.
func FuzzDecodeActivity(f *testing.F) {
	var addr atomic.Value
	mk := func(o bottest.Options) http.Handler {
		o.ConnectorConfig = func(c *connector.Config) { c.Dial = onlyTo(&addr); c.Timeout = 2 * time.Second; c.MaxRetries = -1 }
		h := bottest.New(f, o)
		addr.Store(h.Conn.Srv.Listener.Addr().String())
		return h.Bot.NewRouter()
	}
	local := mk(bottest.Options{Local: true})
	authed := mk(bottest.Options{Verifier: bottest.FakeVerifier{}, AppID: "app-1"})
	f.Add([]byte(`{"type":"message","id":"1","channelId":"msteams","serviceUrl":"http://x/","from":{"id":"29:u"},"recipient":{"id":"28:bot"},"conversation":{"id":"a:c"},"text":"menu"}`), false)
	f.Add([]byte(`{"type":"message","id":"2","channelId":"msteams","serviceUrl":"http://x/","from":{"id":"29:u"},"recipient":{"id":"28:app-1"},"conversation":{"id":"a:c"},"value":{"a":"role","v":"manager"}}`), true)
	f.Add([]byte(`{"type":"invoke","name":"adaptiveCard/action","id":"3","channelId":"msteams","serviceUrl":"http://x/","from":{"id":"29:u"},"recipient":{"id":"28:bot"},"conversation":{"id":"a:c"},"value":{"action":{"verb":"help","data":{"a":5}}}}`), false)
	statuses := map[int]bool{200: true, 400: true, 401: true, 413: true, 501: true}
	f.Fuzz(func(t *testing.T, body []byte, auth bool) {
		if len(body) > 2*bot.MaxBody {
			return
		}
		hd := local
		if auth {
			hd = authed
		}
		req := httptest.NewRequest(http.MethodPost, "/api/messages", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth {
			req.Header.Set("Authorization", "Bearer good")
		}
		rec := httptest.NewRecorder()
		hd.ServeHTTP(rec, req)
		if !statuses[rec.Code] {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
	})
}
