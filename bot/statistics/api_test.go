package statistics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/apierr"
	"github.com/kk/graensen/bot/statistics"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// tokens accepts "admin", refuses "user" as not an admin, and anything
// else as unauthenticated.
type tokens struct{}

func (tokens) Check(_ context.Context, h string) (string, error) {
	switch h {
	case "Bearer admin":
		return "oid", nil
	case "Bearer user":
		return "", admin.ErrForbidden
	}
	return "", errors.New("no token")
}

// Issue 14, point 5: the statistics route answers with the admin API's
// error body; a failure is logged once and its text stays in the log.
func TestStatisticsAPIErrorBody(t *testing.T) {
	// A Redis that cannot be reached; its address is in the error.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	var logs bytes.Buffer
	s := statistics.New(redisstore.New(rdb, "stats-api-test"), 5, func(context.Context, string) ([]dialogs.Overdue, error) {
		return nil, nil
	}, slog.New(slog.NewTextHandler(&logs, nil)))
	gin.SetMode(gin.TestMode)
	r := gin.New()
	s.Routes(tokens{})(r)
	for name, c := range map[string]struct {
		token, query string
		status       int
		code         string
	}{
		"no token":     {"", "", http.StatusUnauthorized, apierr.Unauthorized},
		"not an admin": {"user", "", http.StatusForbidden, apierr.Forbidden},
		"bad year":     {"admin", "?year=1999", http.StatusBadRequest, apierr.BadRequest},
		"bad format":   {"admin", "?format=xml", http.StatusBadRequest, apierr.BadRequest},
		"store fails":  {"admin", "", http.StatusServiceUnavailable, apierr.Unavailable},
	} {
		req := httptest.NewRequest(http.MethodGet, "/api/admin/stats"+c.query, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		var b apierr.Body
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || w.Code != c.status || b.Error.Code != c.code || b.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d %s", name, w.Code, w.Body, c.status, c.code)
		}
		if strings.Contains(w.Body.String(), "127.0.0.1:1") {
			t.Errorf("%s: the client sees the internal error: %s", name, w.Body)
		}
	}
	if n := strings.Count(logs.String(), "127.0.0.1:1"); n != 1 {
		t.Errorf("the failure logged %d times:\n%s", n, logs.String())
	}
}
