package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kk/graensen/bot/auth"
)

const (
	appID      = "4f8e0d2c-1111-4222-8333-944455556666"
	serviceURL = "https://smba.trafficmanager.net/emea/"
	channel    = "msteams"
	tenantID   = "9a1b2c3d-0000-4000-8000-000000000001"
)

// Key ids of the test keys.
const (
	kidMain    = "main"    // endorses msteams, webchat
	kidSkype   = "skype"   // endorses only skype
	kidNull    = "null"    // "endorsements": null
	kidMissing = "missing" // no endorsements field
	kidEmpty   = "empty"   // "endorsements": []
	kidEnc     = "enc"     // "use": "enc", must be ignored
	kidRotated = "rotated" // published only by some tests
	kidUnknown = "unknown" // never published
)

var (
	keysOnce sync.Once
	testKeys map[string]*rsa.PrivateKey
)

// keys generates the RSA keys once per test binary.
func keys() map[string]*rsa.PrivateKey {
	keysOnce.Do(func() {
		testKeys = map[string]*rsa.PrivateKey{}
		for _, kid := range []string{kidMain, kidSkype, kidNull, kidMissing, kidEmpty, kidEnc, kidRotated, kidUnknown} {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			testKeys[kid] = k
		}
	})
	return testKeys
}

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// keyServer serves OpenID metadata and a JWKS document and counts requests.
type keyServer struct {
	srv       *httptest.Server
	metaHits  atomic.Int64
	keysHits  atomic.Int64
	mu        sync.Mutex
	published map[string]map[string]any // kid -> JWK
	status    int                       // if not 0 or 200, /keys answers with it
	padding   int                       // bytes of whitespace appended to /keys
	block     chan struct{}             // if non-nil, /keys waits for it to close
	fetching  chan struct{}             // if non-nil, /keys tells it (without blocking) that a fetch began
}

func jwkFor(k *rsa.PrivateKey, kid string) map[string]any {
	return map[string]any{
		"kty": "RSA",
		"use": "sig",
		"kid": kid,
		"n":   base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
	}
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	ks := keys()
	s := &keyServer{published: map[string]map[string]any{}}
	add := func(kid string, mutate func(map[string]any)) {
		j := jwkFor(ks[kid], kid)
		mutate(j)
		s.published[kid] = j
	}
	add(kidMain, func(j map[string]any) { j["endorsements"] = []string{"msteams", "webchat"} })
	add(kidSkype, func(j map[string]any) { j["endorsements"] = []string{"skype"} })
	add(kidNull, func(j map[string]any) { j["endorsements"] = nil })
	add(kidMissing, func(map[string]any) {})
	add(kidEmpty, func(j map[string]any) { j["endorsements"] = []string{} })
	add(kidEnc, func(j map[string]any) { j["use"] = "enc"; j["endorsements"] = []string{"msteams"} })

	mux := http.NewServeMux()
	mux.HandleFunc("/metadata", func(w http.ResponseWriter, r *http.Request) {
		s.metaHits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                "https://api.botframework.com",
			"authorization_endpoint":                "https://invalid.botframework.com",
			"jwks_uri":                              s.srv.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		s.keysHits.Add(1)
		s.mu.Lock()
		status, padding, block, fetching := s.status, s.padding, s.block, s.fetching
		list := []any{map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}}
		for _, j := range s.published {
			list = append(list, j)
		}
		s.mu.Unlock()
		if fetching != nil {
			select {
			case fetching <- struct{}{}:
			default:
			}
		}
		if block != nil {
			<-block
		}
		if status != 0 && status != http.StatusOK {
			http.Error(w, "unavailable", status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": list})
		_, _ = w.Write([]byte(strings.Repeat(" ", padding)))
	})
	s.srv = httptest.NewTLSServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *keyServer) publish(kid string, endorsements ...string) {
	j := jwkFor(keys()[kid], kid)
	j["endorsements"] = endorsements
	s.mu.Lock()
	defer s.mu.Unlock()
	s.published[kid] = j
}

func (s *keyServer) unpublish(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.published, kid)
}

func (s *keyServer) setStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

func newVerifier(t *testing.T, s *keyServer, c *fakeClock) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(auth.Config{
		AppID:             appID,
		OpenIDMetadataURL: s.srv.URL + "/metadata",
		HTTPClient:        s.srv.Client(),
		Now:               c.Now,
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

func validClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":        "https://api.botframework.com",
		"aud":        appID,
		"exp":        now.Add(time.Hour).Unix(),
		"nbf":        now.Add(-time.Minute).Unix(),
		"serviceurl": serviceURL,
		"appid":      "caller-app",
		"tid":        tenantID,
	}
}

// sign mints a token with alg, signed by the private key of kid.
func sign(t *testing.T, method jwt.SigningMethod, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(keys()[kid])
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func TestVerifyValidToken(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	tok := sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now()))

	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		got, err := v.Verify(context.Background(), scheme+" "+tok, serviceURL, channel)
		if err != nil {
			t.Fatalf("%s: Verify: %v", scheme, err)
		}
		want := auth.Claims{AppID: "caller-app", ServiceURL: serviceURL, TenantID: tenantID}
		if *got != want {
			t.Fatalf("%s: claims = %+v, want %+v", scheme, *got, want)
		}
	}
}

func TestVerifyAZPFallback(t *testing.T) {
	c := newClock()
	v := newVerifier(t, newKeyServer(t), c)
	cl := validClaims(c.Now())
	delete(cl, "appid")
	cl["azp"] = "v2-caller"
	cl["ver"] = "2.0"
	got, err := v.Verify(context.Background(), "Bearer "+sign(t, jwt.SigningMethodRS256, kidMain, cl), serviceURL, channel)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.AppID != "v2-caller" {
		t.Fatalf("AppID = %q, want v2-caller", got.AppID)
	}
}

func TestVerifyOtherRSAAlgorithms(t *testing.T) {
	c := newClock()
	v := newVerifier(t, newKeyServer(t), c)
	for _, m := range []jwt.SigningMethod{jwt.SigningMethodRS384, jwt.SigningMethodRS512} {
		tok := sign(t, m, kidMain, validClaims(c.Now()))
		if _, err := v.Verify(context.Background(), "Bearer "+tok, serviceURL, channel); err != nil {
			t.Errorf("%s: Verify: %v", m.Alg(), err)
		}
	}
}

func TestVerifyClockSkewAccepted(t *testing.T) {
	c := newClock()
	v := newVerifier(t, newKeyServer(t), c)
	now := c.Now()

	expired := validClaims(now)
	expired["exp"] = now.Add(-4 * time.Minute).Unix()
	expired["nbf"] = now.Add(-time.Hour).Unix()
	early := validClaims(now)
	early["nbf"] = now.Add(4 * time.Minute).Unix()

	for name, cl := range map[string]jwt.MapClaims{"expired 4m ago": expired, "nbf in 4m": early} {
		if _, err := v.Verify(context.Background(), "Bearer "+sign(t, jwt.SigningMethodRS256, kidMain, cl), serviceURL, channel); err != nil {
			t.Errorf("%s: Verify: %v (want accepted within 5m skew)", name, err)
		}
	}
}

// An activity without a channelId asserts no channel, so endorsements are not
// checked (SDK EndorsementsValidator); the signature is still required.
func TestVerifyEmptyChannelIDSkipsEndorsement(t *testing.T) {
	c := newClock()
	v := newVerifier(t, newKeyServer(t), c)
	tok := sign(t, jwt.SigningMethodRS256, kidNull, validClaims(c.Now()))
	if _, err := v.Verify(context.Background(), "Bearer "+tok, serviceURL, ""); err != nil {
		t.Fatalf("empty channel: %v", err)
	}
	if _, err := v.Verify(context.Background(), "Bearer "+tok, serviceURL, channel); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("msteams with null endorsements: err = %v, want ErrUnauthorized", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	now := c.Now()
	ks := keys()

	with := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		cl := validClaims(now)
		mut(cl)
		return cl
	}
	rs := func(kid string, cl jwt.MapClaims) string { return sign(t, jwt.SigningMethodRS256, kid, cl) }
	valid := rs(kidMain, validClaims(now))

	none := jwt.NewWithClaims(jwt.SigningMethodNone, validClaims(now))
	none.Header["kid"] = kidMain
	noneTok, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}

	// HS256 with the public key as the HMAC secret (key-confusion attack),
	// both as PEM and as raw modulus bytes.
	der, err := x509.MarshalPKIXPublicKey(&ks[kidMain].PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hs := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, validClaims(now))
		tok.Header["kid"] = kidMain
		out, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	ps := jwt.NewWithClaims(jwt.SigningMethodPS256, validClaims(now))
	ps.Header["kid"] = kidMain
	psTok, err := ps.SignedString(ks[kidMain])
	if err != nil {
		t.Fatal(err)
	}

	// Tampered payload: change a claim, keep the original signature.
	parts := strings.Split(valid, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(payload), "caller-app", "forged-app", 1)
	if forged == string(payload) {
		t.Fatal("tamper did not change the payload")
	}
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]

	// Signed by another key but claiming kidMain.
	wrongKey := jwt.NewWithClaims(jwt.SigningMethodRS256, validClaims(now))
	wrongKey.Header["kid"] = kidMain
	wrongKeyTok, err := wrongKey.SignedString(ks[kidUnknown])
	if err != nil {
		t.Fatal(err)
	}
	noKid := jwt.NewWithClaims(jwt.SigningMethodRS256, validClaims(now))
	noKidTok, err := noKid.SignedString(ks[kidMain])
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name       string
		header     string
		serviceURL string // defaults to serviceURL
		channel    string // defaults to channel
		reason     string // substring expected in the error
	}{
		{name: "no header", header: "", reason: "missing authorization"},
		{name: "basic scheme", header: "Basic " + valid, reason: "not bearer"},
		{name: "token without scheme", header: valid, reason: "not bearer"},
		{name: "bearer without token", header: "Bearer ", reason: "empty bearer"},
		{name: "garbage", header: "Bearer not-a-jwt", reason: "malformed"},
		{name: "garbage three segments", header: "Bearer a.b.c", reason: "malformed"},
		{name: "alg none", header: "Bearer " + noneTok, reason: "unsupported signing algorithm"},
		{name: "hs256 with public key pem", header: "Bearer " + hs(pubPEM), reason: "unsupported signing algorithm"},
		{name: "hs256 with modulus", header: "Bearer " + hs(ks[kidMain].N.Bytes()), reason: "unsupported signing algorithm"},
		{name: "ps256", header: "Bearer " + psTok, reason: "unsupported signing algorithm"},
		{name: "wrong issuer", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { c["iss"] = "https://sts.windows.net/evil/" })), reason: "iss"},
		{name: "missing issuer", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { delete(c, "iss") })), reason: "iss"},
		{name: "wrong audience", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { c["aud"] = "other-app" })), reason: "audience"},
		{name: "audience list", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { c["aud"] = []string{appID, "other-app"} })), reason: "audience"},
		{name: "missing audience", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { delete(c, "aud") })), reason: "aud"},
		{name: "expired beyond skew", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-6 * time.Minute).Unix() })), reason: "expired"},
		{name: "missing exp", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { delete(c, "exp") })), reason: "exp"},
		{name: "not yet valid beyond skew", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(6 * time.Minute).Unix() })), reason: "not valid yet"},
		{name: "unknown kid", header: "Bearer " + rs(kidUnknown, validClaims(now)), reason: "unknown signing key"},
		{name: "missing kid", header: "Bearer " + noKidTok, reason: "no key id"},
		{name: "kid of enc key", header: "Bearer " + rs(kidEnc, validClaims(now)), reason: "unknown signing key"},
		{name: "wrong serviceurl claim", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { c["serviceurl"] = "https://evil.example/" })), reason: "service url"},
		{name: "serviceurl differs by slash", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { c["serviceurl"] = strings.TrimSuffix(serviceURL, "/") })), reason: "service url"},
		{name: "missing serviceurl claim", header: "Bearer " + rs(kidMain, with(func(c jwt.MapClaims) { delete(c, "serviceurl") })), reason: "service url"},
		{name: "activity without serviceurl", header: "Bearer " + valid, serviceURL: "-", reason: "no service url"},
		{name: "channel not endorsed", header: "Bearer " + rs(kidMain, validClaims(now)), channel: "slack", reason: "endorse"},
		{name: "key endorses only skype", header: "Bearer " + rs(kidSkype, validClaims(now)), reason: "endorse"},
		{name: "key with null endorsements", header: "Bearer " + rs(kidNull, validClaims(now)), reason: "endorse"},
		{name: "key without endorsements", header: "Bearer " + rs(kidMissing, validClaims(now)), reason: "endorse"},
		{name: "key with empty endorsements", header: "Bearer " + rs(kidEmpty, validClaims(now)), reason: "endorse"},
		{name: "tampered payload", header: "Bearer " + tampered, reason: "signature is invalid"},
		{name: "signed by another key", header: "Bearer " + wrongKeyTok, reason: "signature is invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			su, ch := tc.serviceURL, tc.channel
			if su == "" {
				su = serviceURL
			} else if su == "-" {
				su = ""
			}
			if ch == "" {
				ch = channel
			}
			claims, err := v.Verify(context.Background(), tc.header, su, ch)
			if err == nil {
				t.Fatalf("Verify accepted the token (claims %+v)", claims)
			}
			if claims != nil {
				t.Errorf("claims = %+v, want nil on error", claims)
			}
			if !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("err = %v, does not wrap ErrUnauthorized", err)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("err = %q, want reason containing %q", err, tc.reason)
			}
			// The reason must be safe to log: no token segments or claim values.
			for _, p := range strings.Split(strings.TrimPrefix(tc.header, "Bearer "), ".") {
				if len(p) > 8 && strings.Contains(err.Error(), p) {
					t.Errorf("err %q leaks a token segment", err)
				}
			}
			for _, secret := range []string{"evil", "caller-app", "forged-app", "other-app"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("err %q leaks claim value %q", err, secret)
				}
			}
		})
	}
	// The valid token still passes: the rejections above are not an artefact
	// of a broken verifier.
	if _, err := v.Verify(context.Background(), "Bearer "+valid, serviceURL, channel); err != nil {
		t.Fatalf("valid token after rejections: %v", err)
	}
}

func TestKeysAreCached(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	if got := s.keysHits.Load(); got != 0 {
		t.Fatalf("keys fetched before first use: %d", got)
	}
	for i := range 20 {
		tok := sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now()))
		if _, err := v.Verify(context.Background(), "Bearer "+tok, serviceURL, channel); err != nil {
			t.Fatalf("verify %d: %v", i, err)
		}
		c.Advance(time.Minute)
	}
	if m, k := s.metaHits.Load(), s.keysHits.Load(); m != 1 || k != 1 {
		t.Fatalf("fetches: metadata %d, keys %d; want 1 and 1", m, k)
	}
}

func TestRefreshAfterRefreshInterval(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	verify := func() error {
		tok := sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now()))
		_, err := v.Verify(context.Background(), "Bearer "+tok, serviceURL, channel)
		return err
	}
	if err := verify(); err != nil {
		t.Fatal(err)
	}
	// Withdraw the key; the cache keeps it until it is 24h old.
	s.unpublish(kidMain)
	c.Advance(24*time.Hour - time.Second)
	if err := verify(); err != nil {
		t.Fatalf("before 24h: %v", err)
	}
	if got := s.keysHits.Load(); got != 1 {
		t.Fatalf("keys fetched %d times before 24h, want 1", got)
	}
	c.Advance(time.Second)
	if err := verify(); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("after 24h with key withdrawn: err = %v, want ErrUnauthorized", err)
	}
	if got := s.keysHits.Load(); got != 2 {
		t.Fatalf("keys fetched %d times after 24h, want 2", got)
	}
}

func TestUnknownKidForcesRefresh(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	ctx := context.Background()
	if _, err := v.Verify(ctx, "Bearer "+sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now())), serviceURL, channel); err != nil {
		t.Fatal(err)
	}
	s.publish(kidRotated, "msteams")
	c.Advance(5*time.Minute + time.Second)
	if _, err := v.Verify(ctx, "Bearer "+sign(t, jwt.SigningMethodRS256, kidRotated, validClaims(c.Now())), serviceURL, channel); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if got := s.keysHits.Load(); got != 2 {
		t.Fatalf("keys fetched %d times, want 2", got)
	}
}

func TestUnknownKidRefreshIsRateLimited(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	ctx := context.Background()
	if _, err := v.Verify(ctx, "Bearer "+sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now())), serviceURL, channel); err != nil {
		t.Fatal(err)
	}
	c.Advance(6 * time.Minute)

	forged := "Bearer " + sign(t, jwt.SigningMethodRS256, kidUnknown, validClaims(c.Now()))
	burst := func() {
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				if _, err := v.Verify(ctx, forged, serviceURL, channel); !errors.Is(err, auth.ErrUnauthorized) {
					t.Errorf("unknown kid: err = %v, want ErrUnauthorized", err)
				}
			})
		}
		wg.Wait()
	}
	burst()
	if got := s.keysHits.Load(); got != 2 {
		t.Fatalf("after burst: keys fetched %d times, want 2 (exactly one forced refresh)", got)
	}
	c.Advance(4 * time.Minute)
	burst()
	if got := s.keysHits.Load(); got != 2 {
		t.Fatalf("second burst within 5m: keys fetched %d times, want 2", got)
	}
	// A key rotated in meanwhile is found once the rate limit has passed.
	s.publish(kidRotated, "msteams")
	rotated := "Bearer " + sign(t, jwt.SigningMethodRS256, kidRotated, validClaims(c.Now()))
	if _, err := v.Verify(ctx, rotated, serviceURL, channel); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("rotated key within rate limit: err = %v, want ErrUnauthorized", err)
	}
	c.Advance(time.Minute)
	if _, err := v.Verify(ctx, rotated, serviceURL, channel); err != nil {
		t.Fatalf("rotated key after rate limit: %v", err)
	}
	if got := s.keysHits.Load(); got != 3 {
		t.Fatalf("keys fetched %d times, want 3", got)
	}
}

func TestUnknownKidOnFirstUseFetchesOnce(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	_, err := v.Verify(context.Background(), "Bearer "+sign(t, jwt.SigningMethodRS256, kidUnknown, validClaims(c.Now())), serviceURL, channel)
	if !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if got := s.keysHits.Load(); got != 1 {
		t.Fatalf("keys fetched %d times, want 1", got)
	}
}

func TestFetchFailure(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	ctx := context.Background()
	s.setStatus(http.StatusServiceUnavailable)

	tok := "Bearer " + sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now()))
	for range 10 {
		_, err := v.Verify(ctx, tok, serviceURL, channel)
		if !errors.Is(err, auth.ErrUnauthorized) || !strings.Contains(err.Error(), "503") {
			t.Fatalf("err = %v, want ErrUnauthorized mentioning status 503", err)
		}
	}
	if got := s.keysHits.Load(); got != 1 {
		t.Fatalf("failing endpoint fetched %d times, want 1 (retry backoff)", got)
	}

	// After the backoff the fetch is retried and succeeds.
	s.setStatus(http.StatusOK)
	c.Advance(10 * time.Second)
	if _, err := v.Verify(ctx, tok, serviceURL, channel); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if got := s.keysHits.Load(); got != 2 {
		t.Fatalf("keys fetched %d times, want 2", got)
	}
}

func TestStaleKeysServeWhenRefreshFails(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	ctx := context.Background()
	if _, err := v.Verify(ctx, "Bearer "+sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now())), serviceURL, channel); err != nil {
		t.Fatal(err)
	}
	s.setStatus(http.StatusInternalServerError)
	c.Advance(25 * time.Hour)
	if _, err := v.Verify(ctx, "Bearer "+sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now())), serviceURL, channel); err != nil {
		t.Fatalf("known kid with stale cache: %v", err)
	}
	if got := s.keysHits.Load(); got != 2 {
		t.Fatalf("keys fetched %d times, want 2 (one failed refresh)", got)
	}
	_, err := v.Verify(ctx, "Bearer "+sign(t, jwt.SigningMethodRS256, kidUnknown, validClaims(c.Now())), serviceURL, channel)
	if !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("unknown kid with failing endpoint: err = %v, want ErrUnauthorized", err)
	}
}

func TestOversizedKeysDocumentRejected(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	s.padding = 1 << 20
	v := newVerifier(t, s, c)
	_, err := v.Verify(context.Background(), "Bearer "+sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now())), serviceURL, channel)
	if !errors.Is(err, auth.ErrUnauthorized) || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("err = %v, want ErrUnauthorized for oversized body", err)
	}
}

func TestCanceledContextDoesNotPoisonSharedFetch(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	block := make(chan struct{})
	s.block = block
	fetching := make(chan struct{}, 1)
	s.fetching = fetching
	var release sync.Once
	unblock := func() { release.Do(func() { close(block) }) }
	t.Cleanup(unblock) // runs before the server's Close, which waits for handlers
	v := newVerifier(t, s, c)
	tok := "Bearer " + sign(t, jwt.SigningMethodRS256, kidMain, validClaims(c.Now()))

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := v.Verify(ctx, tok, serviceURL, channel)
		errc <- err
	}()
	select {
	case <-fetching: // the shared fetch is under way, held by the key server
	case <-time.After(10 * time.Second):
		t.Fatal("the keys were never fetched")
	}
	cancel()
	err := <-errc
	if !errors.Is(err, auth.ErrUnauthorized) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrUnauthorized and context.Canceled", err)
	}
	unblock()
	if _, err := v.Verify(context.Background(), tok, serviceURL, channel); err != nil {
		t.Fatalf("after the shared fetch completed: %v", err)
	}
	if got := s.keysHits.Load(); got != 1 {
		t.Fatalf("keys fetched %d times, want 1", got)
	}
}

func TestConcurrentVerify(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	now := c.Now()
	good := "Bearer " + sign(t, jwt.SigningMethodRS256, kidMain, validClaims(now))
	bad := validClaims(now)
	bad["aud"] = "other-app"
	badTok := "Bearer " + sign(t, jwt.SigningMethodRS256, kidMain, bad)

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			for j := range 10 {
				if i%5 == 0 && j%2 == 0 {
					c.Advance(time.Second)
				}
				if _, err := v.Verify(context.Background(), good, serviceURL, channel); err != nil {
					t.Errorf("goroutine %d: valid token: %v", i, err)
				}
				if _, err := v.Verify(context.Background(), badTok, serviceURL, channel); !errors.Is(err, auth.ErrUnauthorized) {
					t.Errorf("goroutine %d: bad token: err = %v", i, err)
				}
			}
		})
	}
	wg.Wait()
	if got := s.keysHits.Load(); got != 1 {
		t.Fatalf("concurrent first use fetched keys %d times, want 1", got)
	}
}

func TestNewVerifierValidation(t *testing.T) {
	if _, err := auth.NewVerifier(auth.Config{}); err == nil {
		t.Error("missing AppID accepted")
	}
	if _, err := auth.NewVerifier(auth.Config{AppID: appID, RefreshInterval: -time.Second}); err == nil {
		t.Error("negative RefreshInterval accepted")
	}
	if _, err := auth.NewVerifier(auth.Config{AppID: appID}); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// A token the Connector sends again is remembered after its first check,
// but everything that can change is checked again on every use.
func TestReusedTokenIsCheckedAgain(t *testing.T) {
	c := newClock()
	s := newKeyServer(t)
	v := newVerifier(t, s, c)
	ctx := context.Background()
	claims := validClaims(c.Now())
	claims["exp"] = c.Now().Add(30 * time.Hour).Unix()
	tok := "Bearer " + sign(t, jwt.SigningMethodRS256, kidMain, claims)
	for i := range 2 {
		got, err := v.Verify(ctx, tok, serviceURL, channel)
		if err != nil {
			t.Fatalf("use %d: %v", i, err)
		}
		if want := (auth.Claims{AppID: "caller-app", ServiceURL: serviceURL, TenantID: tenantID}); *got != want {
			t.Fatalf("use %d: claims = %+v, want %+v", i, *got, want)
		}
	}
	if _, err := v.Verify(ctx, tok, "https://elsewhere.example/", channel); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("other service url: err = %v", err)
	}
	if _, err := v.Verify(ctx, tok, serviceURL, "skype"); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("channel the key does not endorse: err = %v", err)
	}
	// Withdrawn from the keys document: refused once the keys are refreshed.
	s.unpublish(kidMain)
	c.Advance(24 * time.Hour)
	if _, err := v.Verify(ctx, tok, serviceURL, channel); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("withdrawn key: err = %v", err)
	}
	// Back in the document: accepted again, until the token expires.
	s.publish(kidMain, "msteams")
	c.Advance(5*time.Minute + time.Second)
	if _, err := v.Verify(ctx, tok, serviceURL, channel); err != nil {
		t.Fatalf("key published again: %v", err)
	}
	c.Advance(6*time.Hour + auth.ClockSkew)
	if _, err := v.Verify(ctx, tok, serviceURL, channel); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("expired: err = %v", err)
	}
}
