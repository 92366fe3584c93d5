// Package seal keeps identity out of storage: keyed hashes for Redis keys,
// and authenticated encryption for the few values that must hold identity
// (conversation references) or sensitive text (report content, dialog
// state with a draft).
//
// A dump of Redis without the keys of this package identifies nobody.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// Hasher makes keyed hashes (HMAC-SHA256) of identifiers, for Redis keys.
type Hasher struct {
	key []byte
	// macs are HMAC states keyed once and reset for each sum: keying
	// HMAC-SHA256 hashes two blocks and allocates, and a turn makes several
	// sums (issue 14).
	macs sync.Pool
}

// NewHasher returns a Hasher; the key must be at least 32 bytes.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("hash key: need at least 32 bytes, got %d", len(key))
	}
	h := &Hasher{key: append([]byte(nil), key...)}
	h.macs.New = func() any { return hmac.New(sha256.New, h.key) }
	return h, nil
}

// Sum hashes an identifier within a purpose ("conv", "user", ...), so the
// same id hashes differently per keyspace. The result is 128 bits in
// base64url: short keys, and collisions are not a practical concern.
func (h *Hasher) Sum(purpose, id string) string {
	var in [128]byte
	msg := append(append(append(in[:0], purpose...), 0), id...)
	m := h.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(msg)
	var out [sha256.Size]byte
	sum := m.Sum(out[:0])
	h.macs.Put(m)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// ErrOpen is returned when sealed data cannot be opened: an unknown key id,
// tampering or corruption.
var ErrOpen = errors.New("sealed data cannot be opened")

// Keyring seals with AES-256-GCM under the current key and opens under any
// known key, so keys can be rotated: add a new current key, keep the old one
// until everything sealed under it has expired or been resealed.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeyring builds a keyring from key ids and 32-byte keys; current names
// the key new data is sealed under.
func NewKeyring(current string, keys map[string][]byte) (*Keyring, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("keyring: current key %q not among the keys", current)
	}
	k := &Keyring{current: current, aeads: map[string]cipher.AEAD{}}
	for id, key := range keys {
		if id == "" || strings.Contains(id, ".") {
			return nil, fmt.Errorf("keyring: key id %q must be non-empty and without '.'", id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("keyring: key %q must be 32 bytes, got %d", id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %q: %w", id, err)
		}
		a, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %q: %w", id, err)
		}
		k.aeads[id] = a
	}
	return k, nil
}

// ParseKeys reads "id:base64key,id2:base64key2" (the first is current), the
// format of the GRAENSEN_DATA_KEYS setting.
func ParseKeys(s string) (*Keyring, error) {
	keys := map[string][]byte{}
	current := ""
	for _, part := range strings.Split(s, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, errors.New("data keys: want id:base64key[,id:base64key...]")
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("data key %q: not base64: %w", id, err)
		}
		if _, dup := keys[id]; dup {
			return nil, fmt.Errorf("data key %q given twice", id)
		}
		keys[id] = key
		if current == "" {
			current = id
		}
	}
	return NewKeyring(current, keys)
}

// Current is the id of the key new data is sealed under.
func (k *Keyring) Current() string { return k.current }

// Seal encrypts plaintext; aad binds it to its place (e.g. the Redis key),
// so a sealed value copied to another key does not open.
// The output is "<keyid>.<base64url(nonce|ciphertext)>".
func (k *Keyring) Seal(plaintext, aad []byte) []byte {
	a := k.aeads[k.current]
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plaintext)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("seal: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	ct := a.Seal(nonce, nonce, plaintext, aad)
	out := make([]byte, 0, len(k.current)+1+base64.RawURLEncoding.EncodedLen(len(ct)))
	out = append(out, k.current...)
	out = append(out, '.')
	return base64.RawURLEncoding.AppendEncode(out, ct)
}

// Open decrypts what Seal produced under any key of the ring.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	id, body, ok := strings.Cut(string(sealed), ".")
	if !ok {
		return nil, ErrOpen
	}
	a, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("key %q unknown: %w", id, ErrOpen)
	}
	ct, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(ct) < a.NonceSize() {
		return nil, ErrOpen
	}
	pt, err := a.Open(nil, ct[:a.NonceSize()], ct[a.NonceSize():], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// KeyID reports which key sealed a value ("" if malformed), for rotation.
func KeyID(sealed []byte) string {
	id, _, ok := strings.Cut(string(sealed), ".")
	if !ok {
		return ""
	}
	return id
}
