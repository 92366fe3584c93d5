package auth_test

import (
	"context"
	"testing"

	"github.com/kk/graensen/bot/auth"
	"github.com/kk/graensen/internal/testissuer"
)

// issuer starts a loopback OpenID issuer with one signing key, which
// counts the fetches of its keys.
func issuer(t *testing.T) *testissuer.Issuer {
	t.Helper()
	iss, err := testissuer.New("https://issuer.test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	return iss
}

// TestKeysOneCacheManyIssuers: the one key cache the Bot Framework
// verifier and the admin API share keeps each issuer's keys apart (the
// same kid at two issuers is two keys) and fetches each set once.
func TestKeysOneCacheManyIssuers(t *testing.T) {
	a, b := issuer(t), issuer(t)
	keys := auth.NewKeys(auth.KeysConfig{})
	ctx := context.Background()
	for range 3 {
		got, err := keys.RSAKey(ctx, a.MetadataURL(), testissuer.KeyID)
		if err != nil || got.N.Cmp(a.PublicKey().N) != 0 {
			t.Fatalf("issuer a: key %v, err %v", got != nil, err)
		}
		got, err = keys.RSAKey(ctx, b.MetadataURL(), testissuer.KeyID)
		if err != nil || got.N.Cmp(b.PublicKey().N) != 0 {
			t.Fatalf("issuer b: key %v, err %v", got != nil, err)
		}
	}
	if a.KeyFetches() != 1 || b.KeyFetches() != 1 {
		t.Fatalf("key fetches: a %d, b %d, want 1 each", a.KeyFetches(), b.KeyFetches())
	}
	if _, err := keys.RSAKey(ctx, a.MetadataURL(), "unknown"); err == nil {
		t.Fatal("unknown kid accepted")
	}
}
