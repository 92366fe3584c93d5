package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

// redisCounter counts what a client sends to Redis: commands (those of a
// pipeline each), and round trips (a pipeline one).
type redisCounter struct{ cmds, trips atomic.Int64 }

func (c *redisCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *redisCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.cmds.Add(1)
		c.trips.Add(1)
		return next(ctx, cmd)
	}
}
func (c *redisCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.cmds.Add(int64(len(cmds)))
		c.trips.Add(1)
		return next(ctx, cmds)
	}
}

// TestConcurrentCommitsShareRoundTrips: 64 turns of 64 conversations that
// commit at the same moment all land, each exactly once and on its own
// state, in fewer round trips than commits (group commit, batch.go); a
// commit on a stale version still loses.
func TestConcurrentCommitsShareRoundTrips(t *testing.T) {
	ctx := context.Background()
	shared, prefix := redistest.New(t)
	o := shared.(*redis.Client).Options()
	rdb := redis.NewClient(&redis.Options{Addr: o.Addr, DB: o.DB, Username: o.Username, Password: o.Password, PoolSize: 4})
	t.Cleanup(func() { _ = rdb.Close() })
	trips := &redisCounter{}
	rdb.AddHook(trips)
	s := redisstore.New(rdb, prefix)
	const n = 64
	// Load the script once, so the count is of commits only.
	if err := s.CommitTurn(ctx, redisstore.TurnCommit{Conv: "warm", User: "warm", ConvData: []byte("x"), ConvTTL: time.Hour, UserTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	before := trips.trips.Load()
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.CommitTurn(ctx, redisstore.TurnCommit{Conv: fmt.Sprint("c", i), User: fmt.Sprint("u", i),
				ConvData: []byte(fmt.Sprint("state ", i)), ConvTTL: time.Hour, Profile: []byte(fmt.Sprint("p", i)), UserTTL: time.Hour})
		})
	}
	close(start)
	wg.Wait()
	trips1 := trips.trips.Load() - before
	for i, err := range errs {
		if err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		d, err := s.LoadTurn(ctx, fmt.Sprint("c", i), fmt.Sprint("u", i))
		if err != nil || string(d.Conv) != fmt.Sprint("state ", i) || d.ConvVer != 1 || string(d.Profile) != fmt.Sprint("p", i) || d.UserVer != 1 {
			t.Fatalf("conversation %d after its commit: %+v, %v", i, d, err)
		}
	}
	t.Logf("%d commits in %d round trips", n, trips1)
	if trips1 >= n {
		t.Fatalf("%d commits took %d round trips: none were shared", n, trips1)
	}
	// The same commit again, on the version it loaded: a conflict.
	if err := s.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c0", User: "u0", ConvData: []byte("again"), ConvTTL: time.Hour, UserTTL: time.Hour}); err != redisstore.ErrConflict {
		t.Fatalf("stale commit: %v, want ErrConflict", err)
	}
}

// TestBatchedScriptsSurviveAScriptFlush: after Redis lost its scripts (a
// restart, SCRIPT FLUSH), batched calls load them again and succeed. On a
// private in-process server, as a flush would disturb other tests.
func TestBatchedScriptsSurviveAScriptFlush(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	s := redisstore.New(rdb, "t:")
	if err := s.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c", User: "u", ConvData: []byte("1"), ConvTTL: time.Hour, UserTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range 8 {
		wg.Go(func() {
			errs[i] = s.CommitTurn(ctx, redisstore.TurnCommit{Conv: fmt.Sprint("f", i), User: "u", ConvData: []byte("2"), ConvTTL: time.Hour, UserTTL: time.Hour})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("commit %d after the flush: %v", i, err)
		}
	}
}
