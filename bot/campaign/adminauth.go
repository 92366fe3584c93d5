package campaign

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrForbidden is returned for a valid token of someone who is not an admin.
var ErrForbidden = errors.New("not a campaign admin")

// ErrUnauthenticated is returned for a missing or invalid token.
var ErrUnauthenticated = errors.New("unauthenticated")

// AuthConfig configures the admin API's bearer-token check.
type AuthConfig struct {
	// Admins are the Entra object ids allowed to use the API.
	Admins []string
	// TenantID is the Entra tenant whose tokens are accepted.
	TenantID string
	// Audience is the expected "aud" (the API's app id or app id URI).
	Audience string
	// JWKSURL overrides https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys.
	JWKSURL string
	// StaticToken, when set, is accepted as an admin token: local mode
	// only (the caller must not set it in production).
	StaticToken string
	HTTPClient  *http.Client
	Now         func() time.Time
}

// Authenticator checks admin API tokens: Entra ID access tokens signed by
// the tenant's keys whose oid is an admin, or the static local token.
type Authenticator struct {
	cfg    AuthConfig
	admins map[string]bool

	mu        sync.Mutex
	keys      map[string]*rsa.PublicKey
	fetchedAt time.Time
	tried     time.Time
}

// NewAuthenticator checks cfg and returns an Authenticator.
func NewAuthenticator(cfg AuthConfig) (*Authenticator, error) {
	a := &Authenticator{cfg: cfg, admins: map[string]bool{}}
	for _, id := range cfg.Admins {
		if id = strings.ToLower(strings.TrimSpace(id)); id != "" {
			a.admins[id] = true
		}
	}
	if cfg.HTTPClient == nil {
		a.cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		a.cfg.Now = time.Now
	}
	if cfg.StaticToken == "" && (cfg.TenantID == "" || cfg.Audience == "") {
		return nil, errors.New("admin api: needs a tenant id and an audience (or a static token in local mode)")
	}
	if a.cfg.JWKSURL == "" && cfg.TenantID != "" {
		a.cfg.JWKSURL = "https://login.microsoftonline.com/" + url.PathEscape(cfg.TenantID) + "/discovery/v2.0/keys"
	}
	return a, nil
}

// Check validates an Authorization header and returns the caller's Entra
// object id ("" for the static token).
func (a *Authenticator) Check(ctx context.Context, header string) (string, error) {
	tok, ok := strings.CutPrefix(header, "Bearer ")
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return "", ErrUnauthenticated
	}
	if a.cfg.StaticToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(a.cfg.StaticToken)) == 1 {
		return "", nil
	}
	if a.cfg.TenantID == "" {
		return "", ErrUnauthenticated
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return a.key(ctx, kid)
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithAudience(a.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(5*time.Minute),
		jwt.WithTimeFunc(a.cfg.Now),
	)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	iss, _ := claims["iss"].(string)
	tid, _ := claims["tid"].(string)
	if tid != a.cfg.TenantID || (iss != "https://login.microsoftonline.com/"+a.cfg.TenantID+"/v2.0" && iss != "https://sts.windows.net/"+a.cfg.TenantID+"/") {
		return "", fmt.Errorf("%w: wrong issuer or tenant", ErrUnauthenticated)
	}
	oid, _ := claims["oid"].(string)
	if oid == "" || !a.admins[strings.ToLower(oid)] {
		return "", ErrForbidden
	}
	return strings.ToLower(oid), nil
}

// key returns the signing key kid, refreshing the key set daily and, for
// an unknown kid, at most every five minutes.
func (a *Authenticator) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.cfg.Now()
	k, ok := a.keys[kid]
	stale := now.Sub(a.fetchedAt) > 24*time.Hour
	if (ok && !stale) || (!stale && now.Sub(a.tried) < 5*time.Minute && a.keys != nil) {
		if ok {
			return k, nil
		}
		return nil, errors.New("unknown signing key")
	}
	a.tried = now
	keys, err := a.fetch(ctx)
	if err != nil {
		if ok {
			return k, nil // keep using a known key while the endpoint is down
		}
		return nil, err
	}
	a.keys, a.fetchedAt = keys, now
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, errors.New("unknown signing key")
}

func (a *Authenticator) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.JWKSURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch signing keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch signing keys: status %d", resp.StatusCode)
	}
	var doc struct {
		Keys []struct {
			Kid, Kty, N, E, Use string
		} `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode signing keys: %w", err)
	}
	out := map[string]*rsa.PublicKey{}
	for _, k := range doc.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) > 4 {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 {
			continue
		}
		out[k.Kid] = pub
	}
	if len(out) == 0 {
		return nil, errors.New("no usable signing keys")
	}
	return out, nil
}
