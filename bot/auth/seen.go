package auth

import (
	"context"
	"sync"
	"time"
)

// The Bot Connector sends the same token with every request until it
// nears its expiry (about an hour), and checking its RS256 signature was
// the largest part of a turn's CPU time. A token whose signature has been
// verified is remembered with what the checks of Verify need; on its next
// use everything that can change is checked again: the signing key must
// still be the one of the current keys document (refreshed as usual),
// the token must still be within its validity period, its serviceurl must
// match the activity and the key must endorse the activity's channel.
// Issuer and audience are part of the signed token and cannot change.

// maxSeenTokens bounds the memory of verified tokens; when full it is
// emptied (tokens are few: one per Connector instance and hour).
const maxSeenTokens = 1024

type seenToken struct {
	kid      string
	key      *jwk
	exp, nbf time.Time // nbf zero when the token has none
	claims   Claims
}

type tokenCache struct {
	mu sync.RWMutex
	m  map[string]*seenToken
}

// cached answers Verify for a token already verified: ok is false when
// the token must be verified in full.
func (v *Verifier) cached(ctx context.Context, raw, serviceURL, channelID string) (*Claims, bool, error) {
	v.seen.mu.RLock()
	st := v.seen.m[raw]
	v.seen.mu.RUnlock()
	if st == nil {
		return nil, false, nil
	}
	if k, err := v.ks.key(ctx, st.kid); err != nil || k != st.key {
		v.forget(raw)
		return nil, false, nil // rotated or withdrawn: the full check decides
	}
	now := v.cfg.Now()
	if now.After(st.exp.Add(ClockSkew)) || (!st.nbf.IsZero() && now.Add(ClockSkew).Before(st.nbf)) {
		v.forget(raw)
		return nil, false, nil // the full check gives the usual reason
	}
	if st.claims.ServiceURL != serviceURL {
		return nil, true, unauthorized("service url claim does not match activity")
	}
	if !st.key.endorses(channelID) {
		return nil, true, unauthorized("signing key does not endorse channel")
	}
	c := st.claims
	return &c, true, nil
}

// remember keeps a token that passed every check of Verify.
func (v *Verifier) remember(raw, kid string, key *jwk, tc *tokenClaims, c *Claims) {
	if tc.ExpiresAt == nil || key == nil {
		return
	}
	st := &seenToken{kid: kid, key: key, exp: tc.ExpiresAt.Time, claims: *c}
	if tc.NotBefore != nil {
		st.nbf = tc.NotBefore.Time
	}
	v.seen.mu.Lock()
	if v.seen.m == nil || len(v.seen.m) >= maxSeenTokens {
		v.seen.m = make(map[string]*seenToken)
	}
	v.seen.m[raw] = st
	v.seen.mu.Unlock()
}

func (v *Verifier) forget(raw string) {
	v.seen.mu.Lock()
	delete(v.seen.m, raw)
	v.seen.mu.Unlock()
}
