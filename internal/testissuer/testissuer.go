// Package testissuer is an OpenID Connect token issuer on loopback for
// benchmarks that run the real binary: its metadata document and keys are
// what the bot is pointed at (BotOpenIdMetadata for the Bot Framework's
// tokens, GRAENSEN_ADMIN_OPENID_METADATA for the admin API's Entra ID
// tokens), and it signs RS256 tokens with whatever claims the caller
// gives. It is for cmd/turnbench, cmd/campaignbench and tests, never
// production.
package testissuer

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/golang-jwt/jwt/v5"
)

// KeyID is the id of the issuer's one signing key.
const KeyID = "bench-key"

// Issuer serves /.well-known/openid-configuration and /keys.
type Issuer struct {
	srv     *httptest.Server
	key     *rsa.PrivateKey
	fetches atomic.Int32
}

// New starts an issuer whose metadata names iss as its issuer; the key
// carries endorsements (the Bot Framework's channel ids, e.g. "msteams").
func New(iss string, endorsements ...string) (*Issuer, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	i := &Issuer{key: k}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss, "jwks_uri": i.srv.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		i.fetches.Add(1)
		b64 := base64.RawURLEncoding.EncodeToString
		key := map[string]any{"kty": "RSA", "use": "sig", "kid": KeyID, "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
		if len(endorsements) > 0 {
			key["endorsements"] = endorsements
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]any{key}})
	})
	i.srv = httptest.NewServer(mux)
	return i, nil
}

// MetadataURL is the address of the issuer's OpenID metadata document.
func (i *Issuer) MetadataURL() string { return i.srv.URL + "/.well-known/openid-configuration" }

// Token signs claims with the issuer's key (RS256, kid KeyID).
func (i *Issuer) Token(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = KeyID
	return t.SignedString(i.key)
}

// PublicKey is the issuer's signing key as its keys document publishes it.
func (i *Issuer) PublicKey() *rsa.PublicKey { return &i.key.PublicKey }

// KeyFetches counts the requests for the keys document so far.
func (i *Issuer) KeyFetches() int { return int(i.fetches.Load()) }

// Close stops the issuer.
func (i *Issuer) Close() { i.srv.Close() }
