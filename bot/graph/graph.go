// Package graph is the bot's small Microsoft Graph client: the members of
// Entra ID groups (security, Microsoft 365 and dynamic groups, nested
// members included) for campaign audiences, and group look-up for the
// author's preview.
//
// It signs in as the bot's own app registration with client credentials
// (scope https://graph.microsoft.com/.default), follows @odata.nextLink
// paging and honours Graph's throttling: a 429 or 503 (and 502/504) is
// retried after its Retry-After (bounded by Config.MaxWait) or with
// backoff, at most Config.MaxRetries times per request.
//
// Graph facts (Microsoft Learn):
//   - https://learn.microsoft.com/en-us/graph/api/group-list-transitivemembers
//     (GroupMember.Read.All; OData cast microsoft.graph.user; $top up to 999)
//   - https://learn.microsoft.com/en-us/graph/paging (@odata.nextLink)
//   - https://learn.microsoft.com/en-us/graph/throttling (429, Retry-After)
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/kk/graensen/dialogs"
)

// DefaultBaseURL is Microsoft Graph's global endpoint.
const DefaultBaseURL = "https://graph.microsoft.com"

// Config configures a Client.
type Config struct {
	// BaseURL is Graph's root (GRAENSEN_GRAPH_URL; default
	// https://graph.microsoft.com). Tests point it at a fake.
	BaseURL string
	// TenantID, ClientID and ClientSecret are the bot's app registration.
	// With no ClientID the client sends no token (a local fake Graph).
	TenantID, ClientID, ClientSecret string
	// TokenURL overrides https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token.
	TokenURL string
	// HTTPClient is the transport (default: 30 s timeout).
	HTTPClient *http.Client
	// MaxRetries bounds retries of one request on 429/502/503/504
	// (default 6).
	MaxRetries int
	// MaxWait bounds one Retry-After wait (default 60 s).
	MaxWait time.Duration
}

// Client calls Microsoft Graph. It is safe for concurrent use.
type Client struct {
	base       string
	hc         *http.Client
	maxRetries int
	maxWait    time.Duration
}

// StatusError is a Graph answer other than 2xx.
type StatusError struct {
	StatusCode int
	Code       string // Graph's error.code, e.g. "Request_ResourceNotFound"
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("graph: %d %s", e.StatusCode, e.Code)
	}
	return fmt.Sprintf("graph: %d", e.StatusCode)
}

// ErrNotFound is an unknown group (or user).
var ErrNotFound = errors.New("graph: not found")

// New returns a Client.
func New(cfg Config) (*Client, error) {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("graph: bad base URL %q", cfg.BaseURL)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		hc = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
	if cfg.ClientID != "" {
		if cfg.TenantID == "" && cfg.TokenURL == "" {
			return nil, errors.New("graph: the tenant id is needed for an app-only token")
		}
		tok := cfg.TokenURL
		if tok == "" {
			tok = "https://login.microsoftonline.com/" + url.PathEscape(cfg.TenantID) + "/oauth2/v2.0/token"
		}
		cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: tok,
			Scopes: []string{"https://graph.microsoft.com/.default"}}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
		hc = cc.Client(ctx)
		hc.Timeout = 30 * time.Second
	}
	c := &Client{base: base, hc: hc, maxRetries: cfg.MaxRetries, maxWait: cfg.MaxWait}
	if c.maxRetries == 0 {
		c.maxRetries = 6
	}
	if c.maxWait <= 0 {
		c.maxWait = time.Minute
	}
	return c, nil
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidID reports whether s is an Entra object id (a GUID).
func ValidID(s string) bool { return guidRE.MatchString(s) }

// Group is a group's id and display name.
type Group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// Group reads a group's display name.
func (c *Client) Group(ctx context.Context, id string) (Group, error) {
	var g Group
	if !ValidID(id) {
		return g, ErrNotFound
	}
	err := c.getJSON(ctx, c.base+"/v1.0/groups/"+id+"?$select=id,displayName", nil, &g)
	return g, err
}

// SearchGroups finds groups whose display name contains words of q
// ($search needs ConsistencyLevel: eventual).
func (c *Client) SearchGroups(ctx context.Context, q string, top int) ([]Group, error) {
	q = strings.NewReplacer(`"`, "", `\`, "").Replace(strings.TrimSpace(q))
	if q == "" {
		return nil, nil
	}
	v := url.Values{"$search": {`"displayName:` + q + `"`}, "$select": {"id,displayName"}, "$top": {strconv.Itoa(top)}}
	var page struct {
		Value []Group `json:"value"`
	}
	err := c.getJSON(ctx, c.base+"/v1.0/groups?"+v.Encode(), http.Header{"ConsistencyLevel": {"eventual"}}, &page)
	return page.Value, err
}

// GroupMembers calls fn with the object ids of a group's users, nested
// groups' users included, one page (up to 999) at a time. Devices,
// contacts and service principals are not users and are left out.
func (c *Client) GroupMembers(ctx context.Context, groupID string, fn func(ids []string) error) error {
	if !ValidID(groupID) {
		return ErrNotFound
	}
	next := c.base + "/v1.0/groups/" + groupID + "/transitiveMembers/microsoft.graph.user?$select=id&$top=999"
	for next != "" {
		var page struct {
			Value []struct {
				ID string `json:"id"`
			} `json:"value"`
			Next string `json:"@odata.nextLink"`
		}
		if err := c.getJSON(ctx, next, nil, &page); err != nil {
			return err
		}
		ids := make([]string, 0, len(page.Value))
		for _, u := range page.Value {
			if ValidID(u.ID) {
				ids = append(ids, dialogs.ObjectID(u.ID))
			}
		}
		if err := fn(ids); err != nil {
			return err
		}
		if page.Next != "" && !strings.HasPrefix(page.Next, c.base+"/") {
			return fmt.Errorf("graph: nextLink outside %s", c.base)
		}
		next = page.Next
	}
	return nil
}

func (c *Client) getJSON(ctx context.Context, u string, h http.Header, out any) error {
	b, err := c.Do(ctx, http.MethodGet, u, h, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("graph: decode: %w", err)
	}
	return nil
}

// Do sends a request to Graph, retrying throttled and unavailable answers
// after Retry-After (bounded) or with backoff. A 404 wraps ErrNotFound;
// other failures are *StatusError.
func (c *Client) Do(ctx context.Context, method, u string, h http.Header, body []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u, bytesReader(body))
		if err != nil {
			return nil, err
		}
		for k, v := range h {
			req.Header[k] = v
		}
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("graph: %s: %w", method, err)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("graph: read: %w", err)
		}
		if resp.StatusCode/100 == 2 {
			return b, nil
		}
		se := &StatusError{StatusCode: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil {
			se.Code = e.Error.Code
		}
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
			if attempt >= c.maxRetries {
				return nil, se
			}
			wait := se.RetryAfter
			if wait <= 0 {
				wait = backoff(attempt)
			}
			if wait > c.maxWait {
				return nil, se // longer than we are willing to hold a send for
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
			continue
		case http.StatusNotFound:
			return nil, fmt.Errorf("%w: %w", ErrNotFound, se)
		}
		return nil, se
	}
}

func bytesReader(b []byte) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}

// retryAfter reads Retry-After in seconds (Graph sends seconds).
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// backoff is 1 s · 2^n capped at 30 s, with jitter in [d/2, d].
func backoff(n int) time.Duration {
	d := time.Second << min(n, 5)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}
