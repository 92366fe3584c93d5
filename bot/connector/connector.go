// Package connector is Grænsen's outbound Bot Connector REST client: it
// sends, replies to, updates and deletes activities and creates
// conversations at the serviceUrl a channel gave us (platform.md §2-§4).
//
// Authentication: with an AppID the client obtains a client-credentials
// token from Microsoft Entra ID (single-tenant by default, see Config) and
// caches it for all concurrent callers, refreshing it before it expires.
// With an empty AppID (local mode, e.g. the Bot Framework Emulator) no token
// is ever requested and no Authorization header is sent.
//
// Retries follow the Teams rate-limit guidance (platform.md §3): a 429 waits
// for its Retry-After header (or backs off exponentially with jitter when it
// has none); 412, 502, 503 and 504 back off exponentially with jitter; the
// number of retries is bounded by Config.MaxRetries. No other status is
// retried. Transport errors (timeouts, dropped connections) are never retried
// for POST (Send, Reply, CreateConversation): the Connector may already have
// delivered the message and a duplicate is worse than a missing message.
// They are retried, within the same bound, for the idempotent PUT (Update)
// and DELETE (Delete).
//
// A 403 or 404 answer is returned as a *StatusError that also matches
// ErrUnreachable with errors.Is, so callers can purge stale conversation
// references.
package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/valyala/fasthttp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultScope         = "https://api.botframework.com/.default"
	DefaultTimeout       = 15 * time.Second
	DefaultMaxRetries    = 4
	DefaultBaseBackoff   = 500 * time.Millisecond
	DefaultMaxBackoff    = 20 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second

	// AppTypeSingleTenant and AppTypeMultiTenant are the accepted
	// Config.AppType values (compared case-insensitively).
	AppTypeSingleTenant = "SingleTenant"
	AppTypeMultiTenant  = "MultiTenant"

	loginURLPrefix       = "https://login.microsoftonline.com/"
	tokenEndpointPath    = "/oauth2/v2.0/token"
	multiTenantAuthority = "botframework.com"

	// maxResponseBody is the most of any response body the client reads.
	maxResponseBody = 1 << 20
	// tokenFetchTimeout bounds a single token request even when the
	// configured HTTP client has no timeout.
	tokenFetchTimeout = 30 * time.Second
	// maxRefreshMargin is how long before its expiry a token is replaced.
	maxRefreshMargin = 5 * time.Minute
	// defaultTokenLifetime is assumed when the token endpoint omits
	// expires_in, so that such a token is not cached forever.
	defaultTokenLifetime = 30 * time.Minute
)

// Operation names passed to Observer and used in StatusError.Op.
const (
	OpSend   = "send"
	OpReply  = "reply"
	OpUpdate = "update"
	OpDelete = "delete"
	OpCreate = "create"
)

// Config configures a Client. Zero fields take the documented defaults.
type Config struct {
	// AppID is the bot's Microsoft App ID. Empty means local mode: no
	// token is requested and no Authorization header is sent.
	AppID string
	// AppPassword is the client secret; required when AppID is set.
	AppPassword string
	// TenantID is the bot's home tenant; required for single-tenant bots
	// unless TokenURL is set.
	TenantID string
	// AppType is "SingleTenant" (default when empty) or "MultiTenant",
	// compared case-insensitively.
	AppType string
	// TokenURL overrides the token endpoint (env ToChannelFromBotLoginUrl).
	// Default: https://login.microsoftonline.com/{TenantID}/oauth2/v2.0/token
	// for single-tenant bots and
	// https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token
	// for multi-tenant bots.
	TokenURL string
	// Scope is the token scope; default https://api.botframework.com/.default.
	Scope string
	// HTTPClient requests tokens from Entra ID; default a client with a
	// 15s timeout. Connector calls use the client described in transport.go.
	HTTPClient *http.Client
	// Timeout bounds one attempt of a Connector call (connecting, writing,
	// and reading the answer); default DefaultTimeout.
	Timeout time.Duration
	// Dial opens the connections of Connector calls; default a direct TCP
	// connection, or a tunnel through the proxy that HTTPS_PROXY,
	// HTTP_PROXY and NO_PROXY name (as net/http's ProxyFromEnvironment).
	// Tests use it to keep calls to one address.
	Dial func(addr string) (net.Conn, error)
	// MaxRetries bounds the retries after the first attempt; 0 means the
	// default 4 and a negative value disables retries.
	MaxRetries int
	// BaseBackoff and MaxBackoff shape the exponential backoff
	// BaseBackoff*2^n capped at MaxBackoff; defaults 500ms and 20s.
	BaseBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps an honoured Retry-After; a longer one makes the
	// call give up with the *StatusError (its RetryAfter set). Default 60s.
	MaxRetryAfter time.Duration
	// Sleep waits d or until ctx is done; injected by tests. Default a
	// real timer honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter randomises a backoff delay; default a random value in
	// [d/2, d]. It is not applied to Retry-After waits.
	Jitter func(d time.Duration) time.Duration
	// Observer, if set, receives metrics hooks.
	Observer Observer
}

// Observer receives metrics hooks. op is one of "send", "reply", "update",
// "delete", "create"; status is the HTTP status, or 0 for a transport error.
// Sent is called once per attempt; Retried once per scheduled retry, with the
// status that caused it. Implementations must be safe for concurrent use.
type Observer interface {
	Sent(op string, status int)
	Retried(op string, status int)
}

// Client is an outbound Bot Connector REST client. It is safe for
// concurrent use.
type Client struct {
	httpClient    *http.Client // tokens only
	sender        *fasthttp.Client
	timeout       time.Duration
	tokens        oauth2.TokenSource // nil in local mode
	lastToken     atomic.Pointer[oauth2.Token]
	tokenURL      string
	maxRetries    int
	baseBackoff   time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	sleep         func(ctx context.Context, d time.Duration) error
	jitter        func(d time.Duration) time.Duration
	observer      Observer
}

// New validates cfg, applies defaults and returns a Client. It makes no
// network calls: the first token is requested by the first call that needs
// it.
func New(cfg Config) (*Client, error) {
	c := &Client{
		httpClient:    cfg.HTTPClient,
		maxRetries:    cfg.MaxRetries,
		baseBackoff:   cfg.BaseBackoff,
		maxBackoff:    cfg.MaxBackoff,
		maxRetryAfter: cfg.MaxRetryAfter,
		sleep:         cfg.Sleep,
		jitter:        cfg.Jitter,
		observer:      cfg.Observer,
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{Timeout: DefaultTimeout}
	}
	c.timeout = cfg.Timeout
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	c.sender = newSender(cfg.Dial, c.timeout)
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.baseBackoff <= 0 {
		c.baseBackoff = DefaultBaseBackoff
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = DefaultMaxBackoff
	}
	if c.maxBackoff < c.baseBackoff {
		c.maxBackoff = c.baseBackoff
	}
	if c.maxRetryAfter <= 0 {
		c.maxRetryAfter = DefaultMaxRetryAfter
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.jitter == nil {
		c.jitter = defaultJitter
	}
	if c.observer == nil {
		c.observer = nopObserver{}
	}

	var multiTenant bool
	switch strings.ToLower(strings.TrimSpace(cfg.AppType)) {
	case "", strings.ToLower(AppTypeSingleTenant):
	case strings.ToLower(AppTypeMultiTenant):
		multiTenant = true
	default:
		return nil, fmt.Errorf("connector: unsupported app type %q (want %s or %s)", cfg.AppType, AppTypeSingleTenant, AppTypeMultiTenant)
	}

	if cfg.AppID == "" {
		return c, nil // local mode: no token, no Authorization header
	}
	if cfg.AppPassword == "" {
		return nil, errors.New("connector: app password is required when an app id is set")
	}

	c.tokenURL = cfg.TokenURL
	if c.tokenURL == "" {
		switch {
		case multiTenant:
			c.tokenURL = loginURLPrefix + multiTenantAuthority + tokenEndpointPath
		case cfg.TenantID == "":
			return nil, errors.New("connector: single-tenant app requires a tenant id (or an explicit token url)")
		default:
			c.tokenURL = loginURLPrefix + url.PathEscape(cfg.TenantID) + tokenEndpointPath
		}
	}
	if u, err := url.Parse(c.tokenURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("connector: invalid token url %q", c.tokenURL)
	}

	scope := cfg.Scope
	if scope == "" {
		scope = DefaultScope
	}
	cc := &clientcredentials.Config{
		ClientID:     cfg.AppID,
		ClientSecret: cfg.AppPassword,
		TokenURL:     c.tokenURL,
		Scopes:       []string{scope},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	base := context.WithValue(context.Background(), oauth2.HTTPClient, c.httpClient)
	c.tokens = oauth2.ReuseTokenSource(nil, &earlyRefreshSource{base: base, cc: cc})
	return c, nil
}

// TokenURL returns the token endpoint the client uses, or "" in local mode
// (no AppID), where no token is ever requested.
func (c *Client) TokenURL() string { return c.tokenURL }

// earlyRefreshSource fetches a fresh client-credentials token on every call
// and moves its expiry forward so that the caching oauth2.ReuseTokenSource
// around it replaces the token well before Entra ID would reject it.
type earlyRefreshSource struct {
	base context.Context
	cc   *clientcredentials.Config
}

// Token implements oauth2.TokenSource.
func (s *earlyRefreshSource) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(s.base, tokenFetchTimeout)
	defer cancel()
	tok, err := s.cc.Token(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if tok.Expiry.IsZero() {
		tok.Expiry = now.Add(defaultTokenLifetime)
	}
	margin := min(maxRefreshMargin, tok.Expiry.Sub(now)/4)
	if margin > 0 {
		tok.Expiry = tok.Expiry.Add(-margin)
	}
	return tok, nil
}

// token returns the cached bearer token, fetching one if needed. Waiting
// stops when ctx is done; a fetch already under way then completes in the
// background (bounded by tokenFetchTimeout) and fills the cache.
func (c *Client) token(ctx context.Context) (*oauth2.Token, error) {
	// While the last token is valid (its expiry already moved forward by
	// earlyRefreshSource), a send uses it without a goroutine of its own:
	// the cached source would only return the same token.
	if t := c.lastToken.Load(); t != nil && t.Valid() {
		return t, nil
	}
	type result struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		tok, err := c.tokens.Token()
		ch <- result{tok, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("fetch token: %w", r.err)
		}
		c.lastToken.Store(r.tok)
		return r.tok, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("fetch token: %w", ctx.Err())
	}
}

// Send posts a to the conversation (POST {serviceUrl}/v3/conversations/{id}/activities)
// and returns the new activity's id. An empty id with a nil error means the
// Connector accepted the activity but returned no id (Teams does this when it
// splits a message with both text and attachments).
func (c *Client) Send(ctx context.Context, serviceURL, conversationID string, a *schema.Activity) (string, error) {
	if a == nil {
		return "", errors.New("connector: send: nil activity")
	}
	u, err := endpoint(serviceURL, "v3", "conversations", conversationID, "activities")
	if err != nil {
		return "", fmt.Errorf("connector: send: %w", err)
	}
	return c.postActivity(ctx, OpSend, u, a)
}

// Reply posts a as a reply to activity replyToID
// (POST {serviceUrl}/v3/conversations/{id}/activities/{replyToId}) and
// returns the new activity's id, with the same empty-id rule as Send.
func (c *Client) Reply(ctx context.Context, serviceURL, conversationID, replyToID string, a *schema.Activity) (string, error) {
	if a == nil {
		return "", errors.New("connector: reply: nil activity")
	}
	u, err := endpoint(serviceURL, "v3", "conversations", conversationID, "activities", replyToID)
	if err != nil {
		return "", fmt.Errorf("connector: reply: %w", err)
	}
	return c.postActivity(ctx, OpReply, u, a)
}

func (c *Client) postActivity(ctx context.Context, op, u string, a *schema.Activity) (string, error) {
	body, err := c.do(ctx, op, http.MethodPost, u, a)
	if err != nil {
		return "", err
	}
	var rr schema.ResourceResponse
	if len(bytes.TrimSpace(body)) > 0 {
		// The activity was accepted; an undecodable body must not turn
		// that into an error a caller would retry (duplicate message).
		_ = json.Unmarshal(body, &rr)
	}
	return rr.ID, nil
}

// Update replaces activity activityID with a
// (PUT {serviceUrl}/v3/conversations/{id}/activities/{activityId}), e.g. to
// update an Adaptive Card after a submit.
func (c *Client) Update(ctx context.Context, serviceURL, conversationID, activityID string, a *schema.Activity) error {
	if a == nil {
		return errors.New("connector: update: nil activity")
	}
	u, err := endpoint(serviceURL, "v3", "conversations", conversationID, "activities", activityID)
	if err != nil {
		return fmt.Errorf("connector: update: %w", err)
	}
	_, err = c.do(ctx, OpUpdate, http.MethodPut, u, a)
	return err
}

// Delete deletes activity activityID
// (DELETE {serviceUrl}/v3/conversations/{id}/activities/{activityId}).
func (c *Client) Delete(ctx context.Context, serviceURL, conversationID, activityID string) error {
	u, err := endpoint(serviceURL, "v3", "conversations", conversationID, "activities", activityID)
	if err != nil {
		return fmt.Errorf("connector: delete: %w", err)
	}
	_, err = c.do(ctx, OpDelete, http.MethodDelete, u, nil)
	return err
}

// CreateConversation creates (or, for 1:1 chats, finds) a conversation
// (POST {serviceUrl}/v3/conversations). Teams needs the user in p.Members and
// the tenant id (p.TenantID and/or channelData.tenant.id). The response must
// carry a conversation id.
func (c *Client) CreateConversation(ctx context.Context, serviceURL string, p schema.ConversationParameters) (schema.ConversationResourceResponse, error) {
	var out schema.ConversationResourceResponse
	u, err := endpoint(serviceURL, "v3", "conversations")
	if err != nil {
		return out, fmt.Errorf("connector: create: %w", err)
	}
	body, err := c.do(ctx, OpCreate, http.MethodPost, u, p)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return out, fmt.Errorf("connector: create: decode response: %w", err)
	}
	if out.ID == "" {
		return out, errors.New("connector: create: response has no conversation id")
	}
	return out, nil
}

// endpoint joins serviceURL and the path segments, escaping each segment
// with url.PathEscape. serviceURL must be an absolute http or https URL
// without query or fragment; a trailing '/' is optional.
func endpoint(serviceURL string, segments ...string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(serviceURL))
	if err != nil {
		return "", fmt.Errorf("invalid service url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("invalid service url %q: scheme must be http or https", serviceURL)
	}
	if u.Host == "" {
		return "", fmt.Errorf("invalid service url %q: no host", serviceURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("invalid service url %q: unexpected user info, query or fragment", serviceURL)
	}
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	b.WriteString(strings.TrimRight(u.EscapedPath(), "/"))
	for _, s := range segments {
		if s == "" {
			return "", errors.New("empty path segment (missing conversation or activity id)")
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String(), nil
}

// do performs one Connector call with the retry policy described in the
// package comment and returns the (size-limited) body of a 2xx response.
func (c *Client) do(ctx context.Context, op, method, u string, payload any) ([]byte, error) {
	var body []byte
	if payload != nil {
		var err error
		if body, err = encode(payload); err != nil {
			return nil, fmt.Errorf("connector: %s: encode request: %w", op, err)
		}
	}
	// After a transport error the Connector may already have processed
	// the request; only the idempotent methods may be repeated.
	retryTransport := method == http.MethodPut || method == http.MethodDelete

	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("connector: %s: %w", op, err)
		}
		resp, err := c.attempt(ctx, method, u, body)
		if errors.Is(err, errNotSent) {
			return nil, fmt.Errorf("connector: %s: %w", op, err)
		}
		if err != nil {
			// fasthttp's errors name the host at most, never the path
			// that holds the conversation id (TestTransportErrorsNameNoConversation).
			c.observer.Sent(op, 0)
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("connector: %s: %w", op, ctxErr)
			}
			if !retryTransport || attempt >= c.maxRetries {
				return nil, fmt.Errorf("connector: %s: %w", op, err)
			}
			c.observer.Retried(op, 0)
			if serr := c.sleep(ctx, c.backoff(attempt)); serr != nil {
				return nil, fmt.Errorf("connector: %s: waiting to retry after %w: %w", op, err, serr)
			}
			continue
		}
		status := resp.status
		c.observer.Sent(op, status)
		if status >= 200 && status < 300 {
			return resp.body, nil
		}

		serr := newStatusError(op, status, resp.body)
		retryAfter, hasRetryAfter := parseRetryAfter(resp.retryAfter, time.Now())
		if hasRetryAfter {
			serr.RetryAfter = retryAfter
		}
		if !retryable(status) || attempt >= c.maxRetries {
			return nil, serr
		}
		wait := c.backoff(attempt)
		if hasRetryAfter {
			if retryAfter > c.maxRetryAfter {
				return nil, serr
			}
			wait = retryAfter
		}
		c.observer.Retried(op, status)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("connector: %s: waiting to retry after status %d: %w", op, status, err)
		}
	}
}

// retryable reports whether the Teams guidance allows retrying status.
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusPreconditionFailed,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff returns the jittered delay before retry number n (0-based):
// BaseBackoff*2^n capped at MaxBackoff, passed through Jitter.
func (c *Client) backoff(n int) time.Duration {
	d := c.baseBackoff
	for i := 0; i < n && d < c.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.maxBackoff)
	return c.jitter(d)
}

type nopObserver struct{}

func (nopObserver) Sent(string, int)    {}
func (nopObserver) Retried(string, int) {}
