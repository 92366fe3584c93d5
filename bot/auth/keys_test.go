package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/kk/graensen/bot/auth"
)

// issuer serves an OpenID metadata document (/openid) and one signing key
// k1, counting the fetches of its keys.
func issuer(t *testing.T) (*httptest.Server, *rsa.PrivateKey, *atomic.Int32) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/openid" {
			_ = json.NewEncoder(w).Encode(map[string]any{"jwks_uri": srv.URL + "/keys"})
			return
		}
		fetches.Add(1)
		enc := base64.RawURLEncoding
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]any{
			"kty": "RSA", "use": "sig", "kid": "k1",
			"n": enc.EncodeToString(key.N.Bytes()), "e": enc.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	}))
	t.Cleanup(srv.Close)
	return srv, key, &fetches
}

// TestKeysOneCacheManyIssuers: the one key cache the Bot Framework
// verifier and the admin API share keeps each issuer's keys apart (the
// same kid at two issuers is two keys) and fetches each set once.
func TestKeysOneCacheManyIssuers(t *testing.T) {
	a, ka, fa := issuer(t)
	b, kb, fb := issuer(t)
	keys := auth.NewKeys(auth.KeysConfig{})
	ctx := context.Background()
	for range 3 {
		got, err := keys.RSAKey(ctx, a.URL+"/openid", "k1")
		if err != nil || got.N.Cmp(ka.N) != 0 {
			t.Fatalf("issuer a: key %v, err %v", got != nil, err)
		}
		got, err = keys.RSAKey(ctx, b.URL+"/openid", "k1")
		if err != nil || got.N.Cmp(kb.N) != 0 {
			t.Fatalf("issuer b: key %v, err %v", got != nil, err)
		}
	}
	if fa.Load() != 1 || fb.Load() != 1 {
		t.Fatalf("key fetches: a %d, b %d, want 1 each", fa.Load(), fb.Load())
	}
	if _, err := keys.RSAKey(ctx, a.URL+"/openid", "unknown"); err == nil {
		t.Fatal("unknown kid accepted")
	}
}
