package main

// Security review as tests (issue 8, part 6), through the real server
// (serve): no configuration a test can make runs without authentication
// outside local mode, a request without a valid Bot Framework token is
// refused before it has any effect, and a full session leaves none of its
// ids, names, texts or secrets in the logs.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kk/graensen/internal/bottest"
)

const (
	testAppID       = "11111111-2222-3333-4444-555555555555"
	testAppPassword = "app-password-secret-7f3a"
	outboundToken   = "outbound-token-secret-91c2"
	redisPassword   = "redis-password-secret-55e1"
	testHashKey     = "c2VjcmV0LWhhc2gta2V5LW9mLWF0LWxlYXN0LTMyLWJ5dGVzISE=" // "secret-hash-key-of-at-least-32-bytes!!"
	testDataKey     = "ZGF0YS1rZXktMzItYnl0ZXMtc2VjcmV0LXNlY3JldCE="         // "data-key-32-bytes-secret-secret!"
	testDataKeys    = "k1:" + testDataKey
)

// fakeBotFramework plays Microsoft's side: the OpenID metadata and signing
// keys the verifier fetches (one listed key), the token endpoint the
// connector gets its outbound token from, and the Bot Connector that
// receives replies. It also holds a key it does not list (a forger's).
type fakeBotFramework struct {
	srv    *httptest.Server
	conn   *httptest.Server
	listed *rsa.PrivateKey
	rogue  *rsa.PrivateKey

	mu       sync.Mutex
	replies  []map[string]any
	outAuthz []string
	replied  bottest.Signal // notified at each reply received
}

func newFakeBotFramework(t *testing.T) *fakeBotFramework {
	t.Helper()
	bf := &fakeBotFramework{}
	var err error
	if bf.listed, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if bf.rogue, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	mux := http.NewServeMux()
	mux.HandleFunc("/openid", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": "https://api.botframework.com", "jwks_uri": bf.srv.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		pub := bf.listed.PublicKey
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]any{
			"kty": "RSA", "use": "sig", "kid": "listed", "n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
			"endorsements": []string{"msteams"},
		}}})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"`+outboundToken+`","token_type":"Bearer","expires_in":3600}`)
	})
	bf.srv = httptest.NewServer(mux)
	t.Cleanup(bf.srv.Close)
	bf.conn = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a map[string]any
		_ = json.NewDecoder(r.Body).Decode(&a)
		bf.mu.Lock()
		bf.replies = append(bf.replies, a)
		bf.outAuthz = append(bf.outAuthz, r.Header.Get("Authorization"))
		bf.mu.Unlock()
		bf.replied.Notify()
		_, _ = io.WriteString(w, `{"id":"reply-1"}`)
	}))
	t.Cleanup(bf.conn.Close)
	return bf
}

func (bf *fakeBotFramework) serviceURL() string { return bf.conn.URL + "/" }

// claims are those of a valid Bot Connector token for this bot.
func (bf *fakeBotFramework) claims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": "https://api.botframework.com", "aud": testAppID, "serviceurl": bf.serviceURL(),
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
}

func sign(t *testing.T, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (bf *fakeBotFramework) valid(t *testing.T) string {
	return "Bearer " + sign(t, bf.listed, "listed", bf.claims())
}

func (bf *fakeBotFramework) replyCount() int {
	bf.mu.Lock()
	defer bf.mu.Unlock()
	return len(bf.replies)
}

// awaitReplies waits up to d for n replies in all (woken at each reply)
// and returns how many there are.
func (bf *fakeBotFramework) awaitReplies(n int, d time.Duration) int {
	bf.replied.Await(d, func() bool { return bf.replyCount() >= n })
	return bf.replyCount()
}

// forgedTokens are Authorization headers that must all be refused: a
// forger's key (under the listed key id and under its own), tricks with the
// algorithm, and genuine signatures on the wrong claims.
func (bf *fakeBotFramework) forgedTokens(t *testing.T) map[string]string {
	t.Helper()
	with := func(edit func(c jwt.MapClaims)) string {
		c := bf.claims()
		edit(c)
		return "Bearer " + sign(t, bf.listed, "listed", c)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	payload, _ := json.Marshal(bf.claims())
	none := b64([]byte(`{"alg":"none","typ":"JWT","kid":"listed"}`)) + "." + b64(payload) + "."
	// HS256 "signed" with the public key: the classic algorithm confusion.
	der, _ := x509.MarshalPKIXPublicKey(&bf.listed.PublicKey)
	hsInput := b64([]byte(`{"alg":"HS256","typ":"JWT","kid":"listed"}`)) + "." + b64(payload)
	mac := hmac.New(sha256.New, der)
	mac.Write([]byte(hsInput))
	hs := hsInput + "." + b64(mac.Sum(nil))
	return map[string]string{
		"no header":                       "",
		"empty bearer":                    "Bearer ",
		"basic auth":                      "Basic " + base64.StdEncoding.EncodeToString([]byte(testAppID+":"+testAppPassword)),
		"garbage":                         "Bearer not.a.jwt",
		"the app password as token":       "Bearer " + testAppPassword,
		"forger's key, listed kid":        "Bearer " + sign(t, bf.rogue, "listed", bf.claims()),
		"forger's key, own kid":           "Bearer " + sign(t, bf.rogue, "rogue", bf.claims()),
		"alg none":                        "Bearer " + none,
		"HS256 with the public key":       "Bearer " + hs,
		"listed key, other audience":      with(func(c jwt.MapClaims) { c["aud"] = "another-app" }),
		"listed key, other issuer":        with(func(c jwt.MapClaims) { c["iss"] = "https://sts.windows.net/x/" }),
		"listed key, expired":             with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
		"listed key, other service url":   with(func(c jwt.MapClaims) { c["serviceurl"] = "https://evil.example/" }),
		"listed key, no expiry":           with(func(c jwt.MapClaims) { delete(c, "exp") }),
		"listed key, tampered payload":    tamper(bf.valid(t)),
		"valid token with a second space": strings.Replace(bf.valid(t), "Bearer ", "Bearer  x", 1),
	}
}

// tamper changes the payload of a signed token, keeping the signature.
func tamper(authz string) string {
	parts := strings.Split(strings.TrimPrefix(authz, "Bearer "), ".")
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	p = bytes.Replace(p, []byte(testAppID), []byte("22222222-2222-3333-4444-555555555555"), 1)
	parts[1] = base64.RawURLEncoding.EncodeToString(p)
	return "Bearer " + strings.Join(parts, ".")
}

// prodEnv is a complete production configuration against the fakes.
func prodEnv(bf *fakeBotFramework, redisURL, prefix string) map[string]string {
	return map[string]string{
		"GRAENSEN_ENV": "production", "MicrosoftAppId": testAppID, "MicrosoftAppPassword": testAppPassword,
		"MicrosoftAppTenantId": "secret-tenant-id-99", "BotOpenIdMetadata": bf.srv.URL + "/openid",
		"ToChannelFromBotLoginUrl": bf.srv.URL + "/token", "REDIS_URL": redisURL, "GRAENSEN_REDIS_PREFIX": prefix,
		"GRAENSEN_HASH_KEY": testHashKey, "GRAENSEN_DATA_KEYS": testDataKeys, "LOG_LEVEL": "debug",
	}
}

// running is a serve started by a test.
type running struct {
	base string
	logs *bottest.SyncBuffer
	stop func()
}

// startServe runs serve with vars on a free port. It returns the error if
// serve refuses to start, else the running server (stopped at cleanup).
func startServe(t *testing.T, vars map[string]string) (*running, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &bottest.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, env(vars), logs, ln) }()
	base := "http://" + ln.Addr().String()
	deadline := time.Now().Add(5 * time.Second)
	for {
		select {
		case err := <-done:
			cancel()
			ln.Close()
			if err == nil {
				err = fmt.Errorf("serve returned at once without an error")
			}
			return nil, err
		default:
		}
		// A short timeout: the listener accepts before serve does (and
		// after a serve that refused to start).
		hc := &http.Client{Timeout: 200 * time.Millisecond}
		if resp, err := hc.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve neither started nor failed:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var once sync.Once
	r := &running{base: base, logs: logs, stop: func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("no graceful shutdown")
			}
		})
	}}
	t.Cleanup(r.stop)
	return r, nil
}

// activity is a Teams 1:1 message from the test's user.
type activity map[string]any

func (bf *fakeBotFramework) message(id, text string) activity {
	return activity{"type": "message", "id": id, "channelId": "msteams", "serviceUrl": bf.serviceURL(),
		"from":         map[string]any{"id": "29:secret-user-id-4711", "name": "Karen Secretname", "aadObjectId": "secret-aad-0815"},
		"recipient":    map[string]any{"id": "28:" + testAppID, "name": "Grænsen"},
		"conversation": map[string]any{"id": "a:secret-conv-id-1234", "conversationType": "personal", "tenantId": "secret-tenant-id-99"},
		"channelData":  map[string]any{"tenant": map[string]any{"id": "secret-tenant-id-99"}},
		"locale":       "da-DK", "text": text}
}

func post(t *testing.T, base string, body any, authz string) (int, []byte) {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/messages", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// The keys the background workers make by themselves, whenever they start
// (the inbox worker's queue and its short-lived probe of stream ids): not
// written by any request, so left out when a test asks what requests wrote.
func workerKey(k, prefix string) bool {
	rest := strings.TrimPrefix(k, prefix)
	return rest == "inboxq" || strings.HasPrefix(rest, "probe:")
}

func keysUnder(m *miniredis.Miniredis, prefix string) []string {
	var out []string
	for _, k := range m.Keys() {
		if strings.HasPrefix(k, prefix) && !workerKey(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// TestAuthCannotBeBypassedByConfiguration tries every configuration
// mistake a test can make. Each either refuses to start, or runs with
// authentication on: then every forged or missing token gets 401 and
// leaves nothing behind, while a genuine token works (so the test would
// notice a bot that refuses everything for the wrong reason). The only
// configuration without authentication is local mode with no app id,
// which says so loudly in its log and cannot be production.
func TestAuthCannotBeBypassedByConfiguration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server many times")
	}
	bf := newFakeBotFramework(t)
	m := miniredis.RunT(t)
	redisURL := "redis://" + m.Addr() + "/0"
	forged := bf.forgedTokens(t)
	type outcome int
	const (
		refuses outcome = iota
		authOn
		authOnFailsClosed // starts with auth, but cannot verify any token
		localNoAuth
	)
	cases := []struct {
		name string
		set  map[string]string
		want outcome
	}{
		{"complete production", nil, authOn},
		{"production without app id", map[string]string{"MicrosoftAppId": ""}, refuses},
		{"production with a blank app id", map[string]string{"MicrosoftAppId": "  \t "}, refuses},
		{"production with the app id in the wrong variable", map[string]string{"MicrosoftAppId": "", "MICROSOFTAPPID": testAppID, "MicrosoftAppID": testAppID}, refuses},
		{"production without password", map[string]string{"MicrosoftAppPassword": ""}, refuses},
		{"production without redis", map[string]string{"REDIS_URL": ""}, refuses},
		{"production without hash key", map[string]string{"GRAENSEN_HASH_KEY": ""}, refuses},
		{"production without data keys", map[string]string{"GRAENSEN_DATA_KEYS": ""}, refuses},
		{"production with bad data keys", map[string]string{"GRAENSEN_DATA_KEYS": "k1:short"}, refuses},
		{"production with an unknown app type", map[string]string{"MicrosoftAppType": "None"}, refuses},
		{"env in capitals and spaces", map[string]string{"GRAENSEN_ENV": " PRODUCTION "}, authOn},
		{"env prod", map[string]string{"GRAENSEN_ENV": "prod"}, refuses},
		{"env staging", map[string]string{"GRAENSEN_ENV": "staging"}, refuses},
		{"env development", map[string]string{"GRAENSEN_ENV": "development"}, refuses},
		{"env test", map[string]string{"GRAENSEN_ENV": "test"}, refuses},
		{"env off", map[string]string{"GRAENSEN_ENV": "off"}, refuses},
		{"local with an app id", map[string]string{"GRAENSEN_ENV": "local"}, authOn},
		{"no env with an app id", map[string]string{"GRAENSEN_ENV": ""}, authOn},
		{"local with an app id but no password", map[string]string{"GRAENSEN_ENV": "local", "MicrosoftAppPassword": ""}, refuses},
		{"app id with spaces around it", map[string]string{"MicrosoftAppId": "  " + testAppID + " "}, authOn},
		{"multi-tenant", map[string]string{"MicrosoftAppType": "MultiTenant", "MicrosoftAppTenantId": ""}, authOn},
		{"unreachable key metadata", map[string]string{"BotOpenIdMetadata": "http://127.0.0.1:1/openid"}, authOnFailsClosed},
		{"key metadata that is not json", map[string]string{"BotOpenIdMetadata": bf.srv.URL + "/token"}, authOnFailsClosed},
		{"local without app id", map[string]string{"GRAENSEN_ENV": "local", "MicrosoftAppId": ""}, localNoAuth},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := fmt.Sprintf("sec%d:", i)
			vars := prodEnv(bf, redisURL, prefix)
			for k, v := range tc.set {
				vars[k] = v
			}
			r, err := startServe(t, vars)
			if tc.want == refuses {
				if err == nil {
					t.Fatalf("started; logs:\n%s", r.logs.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("refused to start: %v", err)
			}
			// Background workers (e.g. the report inbox) create their keys
			// at start, when they get to it (keysUnder leaves those out);
			// what matters is what requests add.
			keysBefore := keysUnder(m, prefix)
			before := bf.replyCount()
			n := 0
			for name, authz := range forged {
				n++
				a := bf.message(fmt.Sprintf("forged-%d", n), "menu")
				code, body := post(t, r.base, a, authz)
				if tc.want == localNoAuth {
					continue
				}
				if code != http.StatusUnauthorized {
					t.Errorf("%s: status %d (%s), want 401", name, code, body)
				}
			}
			if tc.want == localNoAuth {
				if !strings.Contains(r.logs.String(), "AUTHENTICATION IS OFF") {
					t.Errorf("local mode without auth does not say so:\n%s", r.logs.String())
				}
				return
			}
			if keys := keysUnder(m, prefix); !slices.Equal(keys, keysBefore) {
				t.Errorf("refused requests wrote keys: %v, before %v", keys, keysBefore)
			}
			time.Sleep(50 * time.Millisecond)
			if got := bf.replyCount() - before; got != 0 {
				t.Errorf("refused requests caused %d replies", got)
			}
			code, body := post(t, r.base, bf.message("genuine", "menu"), bf.valid(t))
			switch tc.want {
			case authOn:
				if code != http.StatusOK {
					t.Fatalf("genuine token: status %d (%s); logs:\n%s", code, body, r.logs.String())
				}
			case authOnFailsClosed:
				if code != http.StatusUnauthorized {
					t.Fatalf("genuine token with no way to check it: status %d, want 401", code)
				}
			}
		})
	}
}

// TestNoIDsTextsOrSecretsInLogs runs a full session against the real
// server in production mode at debug level: install, role, language,
// questions in the user's own words, a walk through the cards with every
// input filled in, refused requests, and Redis going away. The log must
// hold none of the ids, names and texts the session sent, nor any secret
// of the configuration.
func TestNoIDsTextsOrSecretsInLogs(t *testing.T) {
	bf := newFakeBotFramework(t)
	m := miniredis.RunT(t)
	m.RequireAuth(redisPassword)
	vars := prodEnv(bf, "redis://:"+redisPassword+"@"+m.Addr()+"/0", "logscan:")
	r, err := startServe(t, vars)
	if err != nil {
		t.Fatal(err)
	}
	valid := bf.valid(t)
	secrets := []string{"secret-user-id-4711", "Secretname", "secret-aad-0815", "secret-conv-id-1234", "secret-tenant-id-99",
		"rørte ved mig", "hemmeligtekst42", "indtastet-hemmelighed-77", testAppPassword, outboundToken, redisPassword,
		testHashKey, testDataKey, strings.TrimPrefix(valid, "Bearer "), strings.Split(valid, ".")[2]}

	seq := 0
	send := func(a activity) {
		t.Helper()
		seq++
		a["id"] = fmt.Sprintf("s-%d", seq)
		if code, body := post(t, r.base, a, valid); code != http.StatusOK && code != http.StatusNotImplemented {
			t.Fatalf("%v: %d %s", a, code, body)
		}
	}
	waitReplies := func(n int) {
		t.Helper()
		bf.awaitReplies(n, 5*time.Second)
	}
	inst := bf.message("", "")
	delete(inst, "text")
	inst["type"], inst["action"] = "installationUpdate", "add"
	send(inst)
	for _, text := range []string{"english", "min chef rørte ved mig til julefrokosten hemmeligtekst42", "dansk", "hvad er sexisme? hemmeligtekst42", "anmeld"} {
		send(bf.message("", text))
	}
	waitReplies(5)
	// Walk the cards: click what was sent, with every input filled in.
	for step := 0; step < 25; step++ {
		bf.mu.Lock()
		last := bf.replies[len(bf.replies)-1]
		bf.mu.Unlock()
		data, inputs := submitsOf(last)
		if len(data) == 0 {
			send(bf.message("", "menu"))
			continue
		}
		v := map[string]any{}
		for k, x := range data[step%len(data)] {
			v[k] = x
		}
		for _, in := range inputs {
			v[in] = "indtastet-hemmelighed-77"
		}
		a := bf.message("", "")
		delete(a, "text")
		a["value"] = v
		n := bf.replyCount()
		send(a)
		waitReplies(n + 1)
	}
	// Refused requests: a forged token, another bot, an unknown invoke.
	for _, authz := range bf.forgedTokens(t) {
		post(t, r.base, bf.message("x", "hemmeligtekst42"), authz)
	}
	other := bf.message("o", "hemmeligtekst42")
	other["recipient"] = map[string]any{"id": "28:other-bot"}
	post(t, r.base, other, valid)
	inv := bf.message("", "")
	inv["type"], inv["name"] = "invoke", "composeExtension/query"
	send(inv)
	// Redis goes away: turns fail, and say why without saying who.
	failed := strings.Count(r.logs.String(), "turn failed")
	m.Close()
	send(bf.message("", "hemmeligtekst42 efter redis"))
	// The failed turn is logged before its answer; wait for the line all
	// the same (up to 5 s), then stop.
	r.logs.Await(5*time.Second, func(logs string) bool { return strings.Count(logs, "turn failed") > failed })
	r.stop()

	logs := r.logs.String()
	if !strings.Contains(logs, "request refused") || !strings.Contains(logs, "turn failed") {
		t.Fatalf("the session did not log what it should (refusals, the failed turn):\n%s", logs)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			i := strings.Index(logs, s)
			t.Errorf("log holds %q: …%s…", s, logs[max(0, i-200):min(len(logs), i+len(s)+50)])
		}
	}
	bf.mu.Lock()
	defer bf.mu.Unlock()
	for _, h := range bf.outAuthz {
		if h != "Bearer "+outboundToken {
			t.Fatalf("a reply went out with Authorization %q", h)
		}
	}
	t.Logf("%d replies, %d log bytes", len(bf.replies), len(logs))
	if os.Getenv("SHOWLOGS") != "" {
		t.Log(logs)
	}
}

// submitsOf returns the submit data and input ids of a reply's card.
func submitsOf(reply map[string]any) (data []map[string]any, inputs []string) {
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			typ, _ := x["type"].(string)
			if d, ok := x["data"].(map[string]any); ok && typ == "Action.Submit" {
				data = append(data, d)
			}
			if id, ok := x["id"].(string); ok && strings.HasPrefix(typ, "Input.") {
				inputs = append(inputs, id)
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
	walk(reply["attachments"])
	return data, inputs
}
