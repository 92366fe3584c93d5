// Package redistest gives tests a Redis: the real server named by
// GRAENSEN_TEST_REDIS (or REDIS_URL) when set, as in CI, else an in-process
// miniredis, so `go test ./...` passes on a fresh machine too.
//
// Tests share one server with each other and with developers: each test
// gets its own key prefix, and only its own keys are deleted afterwards
// (never FLUSHALL).
package redistest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/kk/graensen/internal/randid"
	"github.com/redis/go-redis/v9"
)

// URL is the real Redis tests use, or "" for miniredis.
func URL() string {
	if u := os.Getenv("GRAENSEN_TEST_REDIS"); u != "" {
		return u
	}
	return os.Getenv("REDIS_URL")
}

// New returns a client and a key prefix unique to this test.
func New(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	var rdb *redis.Client
	if u := URL(); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			tb.Fatalf("redistest: bad redis url: %v", err)
		}
		rdb = redis.NewClient(opt)
	} else {
		m := miniredis.RunT(tb)
		rdb = redis.NewClient(&redis.Options{Addr: m.Addr()})
	}
	prefix := "t:" + strings.NewReplacer("/", "_", " ", "_").Replace(tb.Name()) + ":" + randid.Hex(4) + ":"
	tb.Cleanup(func() {
		Clean(context.Background(), rdb, prefix)
		_ = rdb.Close()
	})
	return rdb, prefix
}

// Clean deletes every key under prefix.
func Clean(ctx context.Context, rdb redis.UniversalClient, prefix string) {
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			rdb.Del(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Del(ctx, batch...)
	}
}

// Dump returns every key under prefix with its value(s) rendered as text,
// for tests that prove nothing identifying is stored.
func Dump(ctx context.Context, tb testing.TB, rdb redis.UniversalClient, prefix string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		typ, err := rdb.Type(ctx, k).Result()
		if err != nil {
			tb.Fatalf("dump type %s: %v", k, err)
		}
		var v string
		switch typ {
		case "string":
			v = rdb.Get(ctx, k).Val()
		case "hash":
			for f, x := range rdb.HGetAll(ctx, k).Val() {
				v += f + "=" + x + "\n"
			}
		case "set":
			v = strings.Join(rdb.SMembers(ctx, k).Val(), "\n")
		case "zset":
			v = strings.Join(rdb.ZRange(ctx, k, 0, -1).Val(), "\n")
		case "list":
			v = strings.Join(rdb.LRange(ctx, k, 0, -1).Val(), "\n")
		case "stream":
			for _, m := range rdb.XRange(ctx, k, "-", "+").Val() {
				for f, x := range m.Values {
					v += f + "=" + toString(x) + "\n"
				}
			}
		default:
			v = "<" + typ + ">"
		}
		out[k] = v
	}
	if err := iter.Err(); err != nil {
		tb.Fatalf("dump scan: %v", err)
	}
	return out
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
