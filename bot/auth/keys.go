package auth

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	// maxDocumentBytes caps the metadata and keys response bodies.
	maxDocumentBytes = 1 << 20
	// minRSABits: weaker keys in the keys document are ignored.
	minRSABits = 2048
)

// jwk is one usable signing key from the keys document.
type jwk struct {
	pub          *rsa.PublicKey
	endorsements []string
}

// endorses reports whether the key may sign tokens for activities of channelID.
//
// An activity without a channelId asserts nothing and passes, as in the SDKs'
// EndorsementsValidator. Otherwise the channel must be listed. A key whose
// endorsements field is null, missing or [] endorses nothing and is rejected
// for every non-empty channelID: the spec's validator throws on null
// endorsements, and we refuse to treat an absent list as "endorses all".
func (k *jwk) endorses(channelID string) bool {
	if channelID == "" {
		return true
	}
	return slices.Contains(k.endorsements, channelID)
}

// fetchCall is one in-flight fetch that concurrent callers share.
type fetchCall struct {
	done chan struct{}
	err  error
}

// keyStore caches the signing keys, keyed by kid.
type keyStore struct {
	metadataURL        string
	client             *http.Client
	now                func() time.Time
	refreshInterval    time.Duration
	minRefreshInterval time.Duration
	failureBackoff     time.Duration

	mu          sync.RWMutex
	keys        map[string]*jwk // nil until the first successful fetch
	fetchedAt   time.Time       // start of the last successful fetch
	attempted   bool            // a fetch has been started at least once
	lastAttempt time.Time       // start of the last fetch, successful or not
	lastErr     error           // error of the last fetch, nil if it succeeded
	inflight    *fetchCall
}

func newKeyStore(metadataURL string, cfg KeysConfig) *keyStore {
	return &keyStore{
		metadataURL:        metadataURL,
		client:             cfg.HTTPClient,
		now:                cfg.Now,
		refreshInterval:    cfg.RefreshInterval,
		minRefreshInterval: cfg.MinRefreshInterval,
		failureBackoff:     min(failureBackoff, cfg.MinRefreshInterval),
	}
}

// KeysConfig configures a Keys cache; zero fields take the defaults of
// Config.
type KeysConfig struct {
	HTTPClient                          *http.Client
	Now                                 func() time.Time
	RefreshInterval, MinRefreshInterval time.Duration
}

// Keys is the one cache of OpenID signing keys in the bot, shared by the
// inbound Bot Framework Verifier and the admin API's Entra ID check
// (bot/admin): one key set per issuer, each found through its OpenID
// metadata document (jwks_uri), refreshed daily, refetched for an unknown
// key id at most every MinRefreshInterval, with stale keys serving while
// the endpoint is down. It is safe for concurrent use.
type Keys struct {
	cfg    KeysConfig
	mu     sync.Mutex
	stores map[string]*keyStore
}

// NewKeys returns an empty cache; keys are fetched on first use.
func NewKeys(cfg KeysConfig) *Keys {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = DefaultRefreshInterval
	}
	if cfg.MinRefreshInterval <= 0 {
		cfg.MinRefreshInterval = DefaultMinRefreshInterval
	}
	return &Keys{cfg: cfg, stores: map[string]*keyStore{}}
}

// issuer is the key set found through the metadata document at metadataURL.
func (k *Keys) issuer(metadataURL string) *keyStore {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.stores[metadataURL]
	if s == nil {
		s = newKeyStore(metadataURL, k.cfg)
		k.stores[metadataURL] = s
	}
	return s
}

// RSAKey returns the RSA signing key kid of the issuer whose OpenID
// metadata document is at metadataURL. Errors wrap ErrUnauthorized.
func (k *Keys) RSAKey(ctx context.Context, metadataURL, kid string) (*rsa.PublicKey, error) {
	j, err := k.issuer(metadataURL).key(ctx, kid)
	if err != nil {
		return nil, err
	}
	return j.pub, nil
}

// key returns the signing key with id kid, fetching or refreshing the keys
// document as needed. Errors wrap ErrUnauthorized.
func (s *keyStore) key(ctx context.Context, kid string) (*jwk, error) {
	now := s.now()
	s.mu.RLock()
	k := s.keys[kid]
	fresh := s.keys != nil && now.Sub(s.fetchedAt) < s.refreshInterval
	s.mu.RUnlock()
	if k != nil && fresh {
		return k, nil
	}

	var fetchErr error
	if !fresh {
		// Lazy first fetch, or the cache is older than RefreshInterval. After
		// a failed attempt, wait failureBackoff; meanwhile stale keys serve.
		fetchErr = s.refresh(ctx, func(now time.Time) bool {
			stale := s.keys == nil || now.Sub(s.fetchedAt) >= s.refreshInterval
			return stale && (!s.attempted || now.Sub(s.lastAttempt) >= s.failureBackoff)
		})
		if k = s.lookup(kid); k != nil {
			return k, nil
		}
	}

	// Unknown kid: the keys may have rotated. Refetch, but at most once per
	// MinRefreshInterval so that forged kids cannot make us hammer the endpoint.
	if err := s.refresh(ctx, func(now time.Time) bool {
		return !s.attempted || now.Sub(s.lastAttempt) >= s.minRefreshInterval
	}); err != nil {
		fetchErr = err
	}
	if k = s.lookup(kid); k != nil {
		return k, nil
	}

	if fetchErr != nil {
		return nil, fmt.Errorf("%w: fetching signing keys: %w", ErrUnauthorized, fetchErr)
	}
	s.mu.RLock()
	haveKeys, lastErr := s.keys != nil, s.lastErr
	s.mu.RUnlock()
	if !haveKeys && lastErr != nil {
		return nil, fmt.Errorf("%w: signing keys unavailable: %w", ErrUnauthorized, lastErr)
	}
	return nil, unauthorized("unknown signing key id")
}

func (s *keyStore) lookup(kid string) *jwk {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys[kid]
}

// refresh joins the in-flight fetch if there is one, or else starts a fetch if
// want (called with s.mu held) says so, and waits for it. It returns the
// fetch's error, or nil if no fetch was needed.
func (s *keyStore) refresh(ctx context.Context, want func(now time.Time) bool) error {
	s.mu.Lock()
	c := s.inflight
	if c == nil {
		now := s.now()
		if !want(now) {
			s.mu.Unlock()
			return nil
		}
		c = &fetchCall{done: make(chan struct{})}
		s.inflight = c
		s.attempted = true
		s.lastAttempt = now
		// The fetch is shared, so it must not die with this caller's context.
		go s.run(context.WithoutCancel(ctx), c, now)
	}
	s.mu.Unlock()

	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *keyStore) run(ctx context.Context, c *fetchCall, started time.Time) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	keys, err := s.fetch(ctx)

	s.mu.Lock()
	if err == nil {
		s.keys = keys
		s.fetchedAt = started
	}
	s.lastErr = err
	s.inflight = nil
	c.err = err
	s.mu.Unlock()
	close(c.done)
}

// fetch reads the OpenID metadata document, then the keys document at its
// jwks_uri, and returns the usable keys by kid.
func (s *keyStore) fetch(ctx context.Context) (map[string]*jwk, error) {
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := s.getJSON(ctx, s.metadataURL, &meta); err != nil {
		return nil, fmt.Errorf("openid metadata: %w", err)
	}
	u, err := url.Parse(meta.JWKSURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("openid metadata: jwks_uri is not an absolute http(s) url")
	}

	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := s.getJSON(ctx, u.String(), &doc); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	keys := make(map[string]*jwk, len(doc.Keys))
	for _, raw := range doc.Keys {
		kid, k, ok := parseJWK(raw)
		if !ok {
			continue
		}
		if _, dup := keys[kid]; !dup {
			keys[kid] = k
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("signing keys: no usable rsa signing keys")
	}
	return keys, nil
}

// parseJWK decodes one RSA signature key. Keys of other types or uses, or
// that are malformed or too weak, are reported as not ok and skipped.
func parseJWK(raw json.RawMessage) (kid string, k *jwk, ok bool) {
	var j struct {
		Kty          string   `json:"kty"`
		Use          string   `json:"use"`
		Kid          string   `json:"kid"`
		N            string   `json:"n"`
		E            string   `json:"e"`
		Endorsements []string `json:"endorsements"`
	}
	if json.Unmarshal(raw, &j) != nil {
		return "", nil, false
	}
	if j.Kty != "RSA" || (j.Use != "" && j.Use != "sig") || j.Kid == "" {
		return "", nil, false
	}
	n, err1 := decodeBigInt(j.N)
	e, err2 := decodeBigInt(j.E)
	if err1 != nil || err2 != nil || n.BitLen() < minRSABits ||
		!e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return "", nil, false
	}
	return j.Kid, &jwk{
		pub:          &rsa.PublicKey{N: n, E: int(e.Int64())},
		endorsements: j.Endorsements,
	}, true
}

// decodeBigInt decodes a base64url (padding tolerated) unsigned big-endian integer.
func decodeBigInt(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("empty integer")
	}
	return new(big.Int).SetBytes(b), nil
}

// getJSON GETs url and decodes its JSON body, limited to maxDocumentBytes, into dst.
func (s *keyStore) getJSON(ctx context.Context, url string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get: unexpected status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxDocumentBytes {
		return fmt.Errorf("body exceeds %d bytes", maxDocumentBytes)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return nil
}
