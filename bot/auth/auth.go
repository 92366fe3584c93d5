// Package auth authenticates inbound Bot Framework requests (channel → bot).
//
// It implements the checks of the Bot Framework "Authenticate requests from
// the Bot Connector service" spec: a Bearer JWT signed with RS256/RS384/RS512
// by a key from the Bot Framework OpenID keys document, issued by
// https://api.botframework.com for this bot's App ID, within its validity
// period (5 minutes clock skew), whose serviceurl claim matches the activity
// and whose signing key endorses the activity's channel.
//
// Signing keys are cached in memory, fetched lazily, refreshed when older
// than Config.RefreshInterval and, when a token names an unknown key id,
// refetched at most once per Config.MinRefreshInterval.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Defaults and fixed protocol values.
const (
	// DefaultOpenIDMetadataURL is the Bot Framework OpenID metadata document
	// for tokens sent by the Bot Connector to the bot.
	DefaultOpenIDMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// DefaultRefreshInterval is how old cached keys may get before they are
	// refetched. The spec requires a refresh at least once every 24 hours.
	DefaultRefreshInterval = 24 * time.Hour
	// DefaultMinRefreshInterval rate-limits refetches forced by unknown key ids.
	DefaultMinRefreshInterval = 5 * time.Minute

	// Issuer is the only accepted iss claim for channel → bot tokens.
	Issuer = "https://api.botframework.com"
	// ClockSkew is the leeway applied to exp and nbf ("industry-standard").
	ClockSkew = 5 * time.Minute

	defaultHTTPTimeout = 10 * time.Second
	// fetchTimeout bounds one metadata+keys fetch even if the configured
	// HTTP client has no timeout of its own.
	fetchTimeout = 30 * time.Second
	// failureBackoff is the minimum pause after a failed fetch before a
	// stale or empty cache triggers another attempt, so an outage of the
	// metadata endpoint does not turn every request into a fetch.
	failureBackoff = 10 * time.Second
)

// allowedAlgs are the signing algorithms the Bot Framework SDKs accept
// (AuthenticationConstants.AllowedSigningAlgorithms).
var allowedAlgs = []string{"RS256", "RS384", "RS512"}

// ErrUnauthorized is wrapped by every error Verify returns. The wrapping error
// carries a short reason that is safe to log: it never contains token contents.
var ErrUnauthorized = errors.New("unauthorized")

// Config configures a Verifier.
type Config struct {
	// AppID is the bot's Microsoft App ID, the expected aud claim. Required.
	AppID string
	// OpenIDMetadataURL is the OpenID metadata document whose jwks_uri lists
	// the signing keys. Default DefaultOpenIDMetadataURL.
	OpenIDMetadataURL string
	// HTTPClient fetches the metadata and keys. Default: a client with a 10s timeout.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// RefreshInterval: cached keys older than this are refetched. Default 24h.
	RefreshInterval time.Duration
	// MinRefreshInterval: a token with an unknown key id forces a refetch at
	// most this often (counted from the last fetch attempt). Default 5m.
	MinRefreshInterval time.Duration
	// Keys, when set, is the shared key cache (NewKeys) the admin API uses
	// too; HTTPClient, Now and the intervals are then those of the cache.
	Keys *Keys
}

// Claims holds the parts of a verified token the bot uses.
type Claims struct {
	// AppID is the calling app: the appid claim (v1 tokens) or azp (v2). It
	// may be empty; Bot Connector tokens need not carry either.
	AppID string
	// ServiceURL is the serviceurl claim; Verify ensures it equals the
	// activity's serviceUrl.
	ServiceURL string
	// TenantID is the tid claim, if any.
	TenantID string
}

// Verifier validates inbound Bot Framework tokens. It is safe for concurrent use.
type Verifier struct {
	cfg  Config
	ks   *keyStore
	seen tokenCache
}

// NewVerifier returns a Verifier for cfg, applying defaults to unset fields.
// It does not fetch keys; they are fetched on first use.
func NewVerifier(cfg Config) (*Verifier, error) {
	if strings.TrimSpace(cfg.AppID) == "" {
		return nil, errors.New("auth: new verifier: app id is required")
	}
	if cfg.OpenIDMetadataURL == "" {
		cfg.OpenIDMetadataURL = DefaultOpenIDMetadataURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshInterval < 0 || cfg.MinRefreshInterval < 0 {
		return nil, errors.New("auth: new verifier: refresh intervals must not be negative")
	}
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = DefaultRefreshInterval
	}
	if cfg.MinRefreshInterval == 0 {
		cfg.MinRefreshInterval = DefaultMinRefreshInterval
	}
	if cfg.Keys == nil {
		cfg.Keys = NewKeys(KeysConfig{HTTPClient: cfg.HTTPClient, Now: cfg.Now, RefreshInterval: cfg.RefreshInterval, MinRefreshInterval: cfg.MinRefreshInterval})
	}
	return &Verifier{cfg: cfg, ks: cfg.Keys.issuer(cfg.OpenIDMetadataURL)}, nil
}

// tokenClaims is the JWT payload as decoded by the parser.
type tokenClaims struct {
	jwt.RegisteredClaims
	ServiceURL string `json:"serviceurl"`
	AppID      string `json:"appid"`
	AZP        string `json:"azp"`
	TenantID   string `json:"tid"`
}

func unauthorized(reason string) error {
	return fmt.Errorf("%w: %s", ErrUnauthorized, reason)
}

// Verify validates the Authorization header value for an activity with that
// serviceUrl and channelId. It returns the token's claims, or an error
// wrapping ErrUnauthorized; callers should answer such errors with 401/403.
func (v *Verifier) Verify(ctx context.Context, authorization, serviceURL, channelID string) (*Claims, error) {
	if authorization == "" {
		return nil, unauthorized("missing authorization header")
	}
	scheme, raw, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, unauthorized("authorization scheme is not bearer")
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, unauthorized("empty bearer token")
	}
	if serviceURL == "" {
		// The spec only compares when the activity has a serviceUrl; this bot
		// always needs one to reply, so a missing one is rejected outright.
		return nil, unauthorized("activity has no service url")
	}

	if c, ok, err := v.cached(ctx, raw, serviceURL, channelID); ok {
		return c, err
	}

	var (
		signingKey *jwk
		keyErr     error // safe-to-log reason from the key lookup
	)
	keyfunc := func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			keyErr = unauthorized("token has no key id")
			return nil, keyErr
		}
		k, err := v.ks.key(ctx, kid)
		if err != nil {
			keyErr = err
			return nil, err
		}
		signingKey = k
		return k.pub, nil
	}

	var tc tokenClaims
	parser := jwt.NewParser(
		jwt.WithValidMethods(allowedAlgs),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(v.cfg.AppID),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(ClockSkew),
		jwt.WithTimeFunc(v.cfg.Now),
	)
	tok, err := parser.ParseWithClaims(raw, &tc, keyfunc)
	if err != nil {
		if keyErr != nil {
			return nil, keyErr
		}
		return nil, parseError(tok, err)
	}

	// aud must be exactly the App ID, not merely one of several audiences.
	if len(tc.Audience) != 1 || tc.Audience[0] != v.cfg.AppID {
		return nil, unauthorized("invalid audience")
	}
	if tc.ServiceURL != serviceURL {
		return nil, unauthorized("service url claim does not match activity")
	}
	if !signingKey.endorses(channelID) {
		return nil, unauthorized("signing key does not endorse channel")
	}

	c := &Claims{AppID: tc.AppID, ServiceURL: tc.ServiceURL, TenantID: tc.TenantID}
	if c.AppID == "" {
		c.AppID = tc.AZP
	}
	v.remember(raw, tok.Header["kid"].(string), signingKey, &tc, c)
	return c, nil
}

// parseError turns a jwt parse error into an ErrUnauthorized error with a
// fixed reason, never echoing header or claim values.
func parseError(tok *jwt.Token, err error) error {
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) && tok != nil {
		if alg, _ := tok.Header["alg"].(string); !slices.Contains(allowedAlgs, alg) {
			return unauthorized("unsupported signing algorithm")
		}
	}
	if errors.Is(err, jwt.ErrTokenInvalidClaims) {
		// Claim validation messages in jwt/v5 are fixed strings and claim
		// names ("token is expired", "iss claim is required"), never values.
		return fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	// Other jwt errors may wrap decoder errors that quote the input; keep
	// only the sentinel.
	for _, sentinel := range []error{
		jwt.ErrTokenMalformed,
		jwt.ErrTokenUnverifiable,
		jwt.ErrTokenSignatureInvalid,
	} {
		if errors.Is(err, sentinel) {
			return fmt.Errorf("%w: %w", ErrUnauthorized, sentinel)
		}
	}
	return unauthorized("invalid token")
}
