package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

// replica is one bot process's store with the turn cache on, and a count
// of what it asks Redis.
func replica(t *testing.T, shared redis.UniversalClient, prefix string) (*redisstore.Store, *redisCounter) {
	t.Helper()
	o := shared.(*redis.Client).Options() // the same server and database
	rdb := redis.NewClient(&redis.Options{Addr: o.Addr, DB: o.DB, Username: o.Username, Password: o.Password})
	t.Cleanup(func() { _ = rdb.Close() })
	c := &redisCounter{}
	rdb.AddHook(c)
	s := redisstore.New(rdb, prefix)
	if err := s.CacheTurns(100); err != nil {
		t.Fatal(err)
	}
	return s, c
}

// turn loads, checks what it got, and commits a new state (and profile,
// when given) on it.
func turn(t *testing.T, s *redisstore.Store, conv, user, state string, profile []byte) (redisstore.TurnData, error) {
	t.Helper()
	d, err := s.LoadTurn(context.Background(), conv, user)
	if err != nil {
		t.Fatal(err)
	}
	return d, s.CommitTurn(context.Background(), redisstore.TurnCommit{Conv: conv, User: user, ConvVer: d.ConvVer,
		ConvData: []byte(state), ConvTTL: time.Hour, UserVer: d.UserVer, Profile: profile, UserTTL: time.Hour})
}

// settled is a turn as the pipeline runs it: again on a conflict.
func settled(t *testing.T, s *redisstore.Store, conv, user, state string, profile []byte) {
	t.Helper()
	for range 3 {
		_, err := turn(t, s, conv, user, state, profile)
		if err == nil {
			return
		}
		if !errors.Is(err, redisstore.ErrConflict) {
			t.Fatal(err)
		}
	}
	t.Fatal("three conflicts in a row")
}

// TestTurnCacheSparesTheReadAndRedisStaysTheTruth: a replica's next turn
// in a conversation reads nothing from Redis, yet whatever another replica
// (or an expiry, or a dropped reference) changed makes the cached turn a
// conflict, after which it reads what Redis holds.
func TestTurnCacheSparesTheReadAndRedisStaysTheTruth(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	a, aCount := replica(t, rdb, prefix)
	b, _ := replica(t, rdb, prefix)

	// First turn: a read; the commit writes state, profile and reference.
	d, err := a.LoadTurn(ctx, "c1", "u1")
	if err != nil || d.Cached {
		t.Fatalf("first load: %+v, %v", d, err)
	}
	if err := a.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c1", User: "u1", ConvVer: d.ConvVer, ConvData: []byte("s1"), ConvTTL: time.Hour,
		UserVer: d.UserVer, Profile: []byte("p1"), UserTTL: time.Hour, Ref: []byte("ref1"), RefSum: "rs1"}); err != nil {
		t.Fatal(err)
	}

	// Second turn: no command reaches Redis until the commit, and the data
	// is what the commit wrote, at the versions Redis has.
	before := aCount.cmds.Load()
	d, err = a.LoadTurn(ctx, "c1", "u1")
	if err != nil || !d.Cached || string(d.Conv) != "s1" || string(d.Profile) != "p1" || d.RefSum != "rs1" {
		t.Fatalf("cached load: %+v, %v", d, err)
	}
	if n := aCount.cmds.Load() - before; n != 0 {
		t.Fatalf("a cached load sent %d commands to Redis", n)
	}
	fresh, _ := b.LoadTurn(ctx, "c1", "u1")
	if fresh.ConvVer != d.ConvVer || fresh.UserVer != d.UserVer {
		t.Fatalf("cached versions %d/%d, Redis has %d/%d", d.ConvVer, d.UserVer, fresh.ConvVer, fresh.UserVer)
	}
	if err := a.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c1", User: "u1", ConvVer: d.ConvVer, ConvData: []byte("s2"), ConvTTL: time.Hour, UserVer: d.UserVer, UserTTL: time.Hour}); err != nil {
		t.Fatalf("commit on cached data: %v", err)
	}

	// Another replica moves the conversation on: a's cached turn conflicts,
	// and its rerun reads b's state.
	settled(t, b, "c1", "u1", "from-b", nil)
	if d, err := turn(t, a, "c1", "u1", "stale", nil); !errors.Is(err, redisstore.ErrConflict) || !d.Cached {
		t.Fatalf("stale cached turn: cached=%v, %v; want a conflict", d.Cached, err)
	}
	if d, err := turn(t, a, "c1", "u1", "s3", nil); err != nil || d.Cached || string(d.Conv) != "from-b" {
		t.Fatalf("rerun: %+v, %v; want a read of b's state", d, err)
	}

	// Another replica changes the profile in another conversation of the
	// same user: a turn that read the old profile from the cache conflicts
	// even though it does not change the profile itself.
	settled(t, b, "c2", "u1", "x", []byte("p2"))
	if _, err := turn(t, a, "c1", "u1", "old-profile", nil); !errors.Is(err, redisstore.ErrConflict) {
		t.Fatalf("turn on an old profile: %v, want a conflict", err)
	}
	if d, err := turn(t, a, "c1", "u1", "s4", nil); err != nil || string(d.Profile) != "p2" {
		t.Fatalf("rerun: profile %q, %v", d.Profile, err)
	}

	// Another replica drops the reference (the user blocked the bot): the
	// cached sum would keep the next turn from writing it again.
	if err := b.DropRef(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := turn(t, a, "c1", "u1", "after-drop", nil); !errors.Is(err, redisstore.ErrConflict) {
		t.Fatalf("turn after DropRef: %v, want a conflict", err)
	}
	if d, _ := a.LoadTurn(ctx, "c1", "u1"); d.Cached || d.RefSum != "" {
		t.Fatalf("after DropRef: %+v, want a read without a reference sum", d)
	}

	// The state expires in Redis (idle TTL): the cached copy is not used.
	d, _ = a.LoadTurn(ctx, "c1", "u1")
	if err := a.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c1", User: "u1", ConvVer: d.ConvVer, ConvData: []byte("s5"), ConvTTL: time.Hour, UserVer: d.UserVer, UserTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	rdb.Del(ctx, prefix+"conv:c1")
	if _, err := turn(t, a, "c1", "u1", "expired", nil); !errors.Is(err, redisstore.ErrConflict) {
		t.Fatalf("turn on an expired state: %v, want a conflict", err)
	}
	if d, _ := a.LoadTurn(ctx, "c1", "u1"); d.Cached || d.Conv != nil || d.ConvVer != 0 {
		t.Fatalf("after expiry: %+v, want an empty read", d)
	}

	// Uninstall forgets the user: the next turn reads.
	d, _ = a.LoadTurn(ctx, "c1", "u1")
	if err := a.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c1", User: "u1", ConvVer: d.ConvVer, ConvData: []byte("gone"), ConvTTL: time.Hour, UserVer: d.UserVer, Forget: true}); err != nil {
		t.Fatal(err)
	}
	if d, _ := a.LoadTurn(ctx, "c1", "u1"); d.Cached || d.Profile != nil || d.UserVer != 0 {
		t.Fatalf("after forget: %+v", d)
	}
}

// TestTurnCacheOff: CacheTurns(0) reads every time.
func TestTurnCacheOff(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)
	if err := s.CacheTurns(0); err != nil {
		t.Fatal(err)
	}
	if _, err := turn(t, s, "c1", "u1", "s1", []byte("p")); err != nil {
		t.Fatal(err)
	}
	if d, err := s.LoadTurn(ctx, "c1", "u1"); err != nil || d.Cached || string(d.Conv) != "s1" {
		t.Fatalf("load with the cache off: %+v, %v", d, err)
	}
}
