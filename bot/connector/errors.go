package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrUnreachable is matched (errors.Is) by the *StatusError of a 403 or 404
// answer: the bot was removed or blocked, or the conversation or activity no
// longer exists. Callers purge the stale conversation reference. Note that
// 403 also covers BotDisabledByAdmin, InvalidBotApiHost and
// NotEnoughPermissions; StatusError.Code tells them apart.
var ErrUnreachable = errors.New("recipient unreachable")

// StatusError is returned when the Connector answers with a non-2xx status
// that is not retried, or is still failing after the last retry.
type StatusError struct {
	// Op is the operation: "send", "reply", "update", "delete" or "create".
	Op string
	// StatusCode is the HTTP status of the last attempt.
	StatusCode int
	// Code is error.code from the response body (e.g.
	// "ConversationNotFound"), or "" if the body had none.
	Code string
	// Message is error.message from the response body, if any.
	Message string
	// RetryAfter is the Retry-After the last response asked for (0 if
	// none). It is set, among others, when the call gave up because the
	// wait exceeded Config.MaxRetryAfter.
	RetryAfter time.Duration
}

// Error implements error.
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "connector: %s: status %d", e.Op, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	// Message is left out: the Connector's text may quote ids, and this
	// string ends up in logs.
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns ErrUnreachable for 403 and 404, nil otherwise, so that
// errors.Is(err, ErrUnreachable) holds exactly for those statuses.
func (e *StatusError) Unwrap() error {
	if e.StatusCode == http.StatusForbidden || e.StatusCode == http.StatusNotFound {
		return ErrUnreachable
	}
	return nil
}

// newStatusError builds a StatusError, taking error.code and error.message
// from a Bot Framework ErrorResponse body when there is one.
func newStatusError(op string, status int, body []byte) *StatusError {
	e := &StatusError{Op: op, StatusCode: status}
	var er struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &er) == nil {
		e.Code = er.Error.Code
		e.Message = truncate(er.Error.Message, 256)
	}
	return e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// parseRetryAfter parses a Retry-After header value, either delta-seconds or
// an HTTP-date (a date in the past means 0). ok is false when the header is
// absent or malformed.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		if secs > maxSecs {
			secs = maxSecs
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// sleepCtx waits d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// defaultJitter returns a random duration in [d/2, d].
func defaultJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
