// Package admin is the admin HTTP API's authentication: Entra ID access
// tokens of the bot's tenant whose oid is an AMK admin (or, locally, a
// static token), checked with the one signing-key cache the inbound Bot
// Framework auth uses (auth.Keys). The routes stay with their features
// (bot/campaign, bot/feedback, bot/statistics), each behind Guard;
// cmd/graensen mounts them together.
//
//	/api/admin/campaigns…  bot/campaign (api.go)
//	/api/admin/feedback    bot/feedback
//	/api/admin/stats       bot/statistics
package admin

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kk/graensen/bot/apierr"
	"github.com/kk/graensen/bot/auth"
	"github.com/kk/graensen/dialogs"
)

// ErrForbidden is returned for a valid token of someone who is not an admin.
var ErrForbidden = errors.New("not an admin")

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
	// OpenIDMetadataURL overrides the tenant's Entra ID metadata document,
	// https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration,
	// whose jwks_uri lists the signing keys.
	OpenIDMetadataURL string
	// Keys is the signing-key cache shared with inbound auth (auth.NewKeys);
	// nil makes one from HTTPClient and Now.
	Keys *auth.Keys
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
}

// NewAuthenticator checks cfg and returns an Authenticator.
func NewAuthenticator(cfg AuthConfig) (*Authenticator, error) {
	a := &Authenticator{cfg: cfg, admins: map[string]bool{}}
	for _, id := range cfg.Admins {
		if id = dialogs.ObjectID(id); id != "" {
			a.admins[id] = true
		}
	}
	if cfg.Now == nil {
		a.cfg.Now = time.Now
	}
	if cfg.Keys == nil {
		a.cfg.Keys = auth.NewKeys(auth.KeysConfig{HTTPClient: cfg.HTTPClient, Now: a.cfg.Now})
	}
	if cfg.StaticToken == "" && (cfg.TenantID == "" || cfg.Audience == "") {
		return nil, errors.New("admin api: needs a tenant id and an audience (or a static token in local mode)")
	}
	if a.cfg.OpenIDMetadataURL == "" && cfg.TenantID != "" {
		a.cfg.OpenIDMetadataURL = "https://login.microsoftonline.com/" + url.PathEscape(cfg.TenantID) + "/v2.0/.well-known/openid-configuration"
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
		return a.cfg.Keys.RSAKey(ctx, a.cfg.OpenIDMetadataURL, kid)
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
	if oid = dialogs.ObjectID(oid); oid == "" || !a.admins[oid] {
		return "", ErrForbidden
	}
	return oid, nil
}

// Checker checks an Authorization header and returns the caller's Entra
// object id (*Authenticator; tests bring their own).
type Checker interface {
	Check(ctx context.Context, header string) (string, error)
}

// OIDKey is the gin context key under which Guard leaves the caller's
// Entra object id ("" for the static token).
const OIDKey = "admin_oid"

// Guard lets a request through only with an admin's token: it answers
// 401 or 403 with the API's error body (apierr) otherwise, and leaves the
// caller's object id under OIDKey.
func Guard(a Checker) gin.HandlerFunc {
	return func(c *gin.Context) {
		oid, err := a.Check(c.Request.Context(), c.GetHeader("Authorization"))
		if err != nil {
			apierr.Auth(c, errors.Is(err, ErrForbidden))
			return
		}
		c.Set(OIDKey, oid)
		c.Next()
	}
}
