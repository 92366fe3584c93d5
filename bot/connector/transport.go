package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpproxy"
	"golang.org/x/net/http/httpproxy"

	"github.com/kk/graensen/internal/loopback"
)

// Connector calls go out through fasthttp's client, not net/http's. Every
// turn ends in one, so its cost is in every turn: net/http's client hands
// each request to a writing and a reading goroutine of its connection and
// builds a header map, a cloned request and a URL for it, about a fifth of
// the bot's CPU in a turn (README, Performance); fasthttp writes the request
// and reads the answer on the caller's goroutine from pooled buffers.
//
// What net/http did that is kept by hand: environment proxies (Dial), a
// bounded wait for a free connection instead of an error, dual-stack
// dialling, and no retry the package comment does not allow: fasthttp's own
// retries are off (RetryIfErr), the retry policy in do is the only one.
//
// net/http also notices when a server closes an idle connection, and never
// reuses it; fasthttp does not, and a POST written to such a connection
// fails as a transport error, which is not retried (a duplicate is worse).
// staleconn.go checks a connection before reusing it after idleCheck, and
// only a connection so found closed is tried again. maxIdle is below the
// idle timeouts servers and load balancers keep by default (nginx 75 s,
// IIS 120 s, Azure's load balancer 4 min), and long enough that a bot with
// a message every few seconds does not open a new TLS connection for each
// reply.
const (
	// maxIdle is how long an unused connection is kept for reuse.
	maxIdle = 30 * time.Second
	// readBuffer bounds a response's status line and headers: a reply
	// that was delivered must not turn into an error because a front end
	// added headers (fasthttp's default is 4 KiB).
	readBuffer = 16 << 10
	// maxConnsPerHost bounds the connections to one Connector host; a call
	// beyond it waits for a free one up to its timeout. Campaigns keep
	// hundreds of sends in flight.
	maxConnsPerHost = 1024
)

// newSender returns the client of Connector calls; dial nil means direct
// or through the environment's proxy.
func newSender(dial func(addr string) (net.Conn, error), timeout time.Duration) *fasthttp.Client {
	return &fasthttp.Client{
		Name:                "graensen",
		MaxConnsPerHost:     maxConnsPerHost,
		MaxConnWaitTimeout:  timeout,
		MaxIdleConnDuration: maxIdle,
		MaxResponseBodySize: maxResponseBody,
		ReadBufferSize:      readBuffer,
		// endpoint has escaped the path (conversation ids hold ';', '@',
		// ':' and '='): it goes out exactly as built.
		DisablePathNormalizing: true,
		DialDualStack:          true,
		// Only a kept connection found closed before anything was written
		// is tried again (staleconn.go); every other error goes to do's
		// policy.
		RetryIfErr: func(_ *fasthttp.Request, _ int, err error) (bool, bool) {
			return false, errors.Is(err, errStale)
		},
		ConfigureClient: func(hc *fasthttp.HostClient) error {
			hc.Dial = dial
			if dial == nil {
				if err := viaEnvironmentProxy(hc, timeout); err != nil {
					return err
				}
			}
			open := hc.Dial
			if open == nil {
				open = func(addr string) (net.Conn, error) { return fasthttp.DialDualStackTimeout(addr, timeout) }
			}
			hc.Dial = func(addr string) (net.Conn, error) {
				c, err := open(addr)
				if err != nil {
					return nil, err
				}
				return newCheckedConn(c), nil
			}
			return nil
		},
	}
}

// viaEnvironmentProxy makes hc (one Connector host) connect through the
// proxy the environment names for it, decided as net/http's
// ProxyFromEnvironment does (HTTPS_PROXY or HTTP_PROXY by scheme, NO_PROXY,
// never for localhost or a loopback address); without one, directly.
func viaEnvironmentProxy(hc *fasthttp.HostClient, timeout time.Duration) error {
	scheme := "http"
	if hc.IsTLS {
		scheme = "https"
	}
	pu, err := httpproxy.FromEnvironment().ProxyFunc()(&url.URL{Scheme: scheme, Host: hc.Addr})
	if err != nil {
		return fmt.Errorf("connector: proxy from the environment: %w", err)
	}
	if pu == nil {
		return nil // fasthttp's own dialler, DialDualStack set
	}
	d := &fasthttpproxy.Dialer{
		Config:        httpproxy.Config{HTTPProxy: pu.String(), HTTPSProxy: pu.String()},
		DialDualStack: true, Timeout: timeout, ConnectTimeout: timeout,
	}
	f, err := d.GetDialFuncForTLS(false, hc.IsTLS)
	if err != nil {
		return fmt.Errorf("connector: proxy %s: %w", pu.Redacted(), err)
	}
	hc.Dial = f
	return nil
}

// answer is what one attempt received.
type answer struct {
	status     int
	body       []byte // nil when longer than maxResponseBody
	retryAfter string
}

// errNotSent marks an attempt refused before anything was sent (no token,
// a token for plain http): retrying cannot help.
var errNotSent = errors.New("not sent")

// attempt makes one request: body (JSON, or nil) to u, with the cached
// bearer token unless in local mode. It waits at most the client's timeout
// or until ctx's deadline. A ctx cancelled while the request is under way
// does not cut it short (fasthttp has deadlines, not contexts); do checks
// ctx before every attempt and while waiting between them.
func (c *Client) attempt(ctx context.Context, method, u string, body []byte) (answer, error) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(u)
	req.Header.SetMethod(method)
	if body != nil {
		req.Header.SetContentType("application/json; charset=utf-8")
		req.SetBodyRaw(body)
	}
	req.Header.Set("Accept", "application/json")
	if c.tokens != nil {
		// Never hand the bearer token to a remote host over plain HTTP.
		uri := req.URI()
		if string(uri.Scheme()) != "https" && !loopback.Addr(string(uri.Host())) {
			return answer{}, fmt.Errorf("%w: refusing to send a token over plain http to %s", errNotSent, uri.Host())
		}
		tok, err := c.token(ctx)
		if err != nil {
			return answer{}, fmt.Errorf("%w: %w", errNotSent, err)
		}
		req.Header.Set("Authorization", tok.Type()+" "+tok.AccessToken)
	}
	fromCtx := false
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, fromCtx = d, true
	}
	err := c.sender.DoDeadline(req, resp, deadline)
	if fromCtx && errors.Is(err, fasthttp.ErrTimeout) {
		// The context's deadline, met a moment before its own timer.
		return answer{}, context.DeadlineExceeded
	}
	a := answer{status: resp.StatusCode(), retryAfter: string(resp.Header.Peek("Retry-After"))}
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		// The status line and headers arrived; a body this large is not
		// one of the Connector's, so it is dropped, not read on.
		return a, nil
	case err != nil:
		return answer{}, err
	}
	a.body = bytes.Clone(resp.Body())
	return a, nil
}
