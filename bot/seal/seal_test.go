package seal_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kk/graensen/bot/seal"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestHasherIsKeyedAndPurposeBound(t *testing.T) {
	h1, _ := seal.NewHasher(key(1))
	h2, _ := seal.NewHasher(key(2))
	id := "29:1a2b3c"
	if h1.Sum("user", id) != h1.Sum("user", id) {
		t.Fatal("hash not deterministic")
	}
	if h1.Sum("user", id) == h2.Sum("user", id) {
		t.Fatal("hash does not depend on the key")
	}
	if h1.Sum("user", id) == h1.Sum("conv", id) {
		t.Fatal("hash does not depend on the purpose")
	}
	if strings.Contains(h1.Sum("user", id), "1a2b3c") {
		t.Fatal("hash leaks the id")
	}
	if _, err := seal.NewHasher([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestSealOpenRotateTamper(t *testing.T) {
	old, _ := seal.NewKeyring("k0", map[string][]byte{"k0": key(1)})
	ring, err := seal.NewKeyring("k1", map[string][]byte{"k0": key(1), "k1": key(2)})
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("conversation reference a:1xyz")
	s := ring.Seal(msg, []byte("user:abc"))
	if bytes.Contains(s, []byte("a:1xyz")) || seal.KeyID(s) != "k1" {
		t.Fatalf("sealed value leaks or wrong key id: %s", s)
	}
	got, err := ring.Open(s, []byte("user:abc"))
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("open: %v %q", err, got)
	}
	// Sealed under the old key: still opens after rotation.
	if got, err := ring.Open(old.Seal(msg, nil), nil); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("old key: %v", err)
	}
	// Bound to its place.
	if _, err := ring.Open(s, []byte("user:other")); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("wrong aad opened: %v", err)
	}
	// Tampered.
	bad := append([]byte(nil), s...)
	bad[len(bad)-3] ^= 1
	if _, err := ring.Open(bad, []byte("user:abc")); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("tampered opened: %v", err)
	}
	// The old ring cannot open data of the new key.
	if _, err := old.Open(s, []byte("user:abc")); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("unknown key id opened: %v", err)
	}
	// Two seals of the same text differ (random nonce).
	if bytes.Equal(ring.Seal(msg, nil), ring.Seal(msg, nil)) {
		t.Fatal("nonce reused")
	}
}

func TestParseKeys(t *testing.T) {
	r, err := seal.ParseKeys("k2:" + strings.Repeat("A", 43) + "=,k1:" + strings.Repeat("B", 43) + "=")
	if err != nil {
		t.Fatal(err)
	}
	if r.Current() != "k2" {
		t.Fatalf("current = %s", r.Current())
	}
	for _, bad := range []string{"", "nokey", "k1:notbase64!", "k1:QUJD", "k1:" + strings.Repeat("A", 43) + "=,k1:" + strings.Repeat("A", 43) + "="} {
		if _, err := seal.ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
}

// TestSumIsHMACSHA256: a sum is the first 128 bits of HMAC-SHA256 over
// purpose, a zero byte and the id, in base64url, however many sums run at
// once and however long the id (the HMAC states are pooled and reused).
func TestSumIsHMACSHA256(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	h, err := seal.NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	want := func(purpose, id string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(purpose + "\x00" + id))
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
	}
	ids := []string{"", "a:1", strings.Repeat("x", 300), "29:æøå"}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				id := ids[(i+g)%len(ids)]
				if got, w := h.Sum("conv", id), want("conv", id); got != w {
					t.Errorf("Sum(conv, %.20q) = %s, want %s", id, got, w)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkSum(b *testing.B) {
	h, _ := seal.NewHasher(bytes.Repeat([]byte{7}, 32))
	b.ReportAllocs()
	for b.Loop() {
		h.Sum("conv", "a:1Ab2Cd3Ef4Gh5Ij6Kl7Mn8Op9Qr0St-personal-chat-id")
	}
}
