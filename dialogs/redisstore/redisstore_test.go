package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

func TestCommitTurnOptimisticConcurrency(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)

	d, err := s.LoadTurn(ctx, "c1", "u1")
	if err != nil || d.ConvVer != 0 || d.Conv != nil || d.Profile != nil {
		t.Fatalf("empty load = %+v, %v", d, err)
	}
	commit := redisstore.TurnCommit{Conv: "c1", User: "u1", ConvVer: 0, ConvData: []byte("s1"), ConvTTL: time.Hour,
		UserVer: 0, Profile: []byte(`{"r":"manager"}`), UserTTL: time.Hour, Ref: []byte("sealedref"), RefSum: "rs1"}
	if err := s.CommitTurn(ctx, commit); err != nil {
		t.Fatal(err)
	}
	// A second commit on the same loaded version loses.
	if err := s.CommitTurn(ctx, commit); !errors.Is(err, redisstore.ErrConflict) {
		t.Fatalf("stale commit: %v, want ErrConflict", err)
	}
	d, _ = s.LoadTurn(ctx, "c1", "u1")
	// Writing the profile and the reference each raise the profile's
	// version (a turn cache elsewhere then sees both).
	if d.ConvVer != 1 || string(d.Conv) != "s1" || d.UserVer != 2 || string(d.Profile) != `{"r":"manager"}` || d.RefSum != "rs1" {
		t.Fatalf("after commit: %+v", d)
	}
	if ref, _ := s.Ref(ctx, "u1"); string(ref) != "sealedref" {
		t.Fatalf("ref = %q", ref)
	}
	// The idle TTL ends on the next whole hour after it (rule 2): at most
	// an hour more, never less.
	if ttl := rdb.PTTL(ctx, prefix+"conv:c1").Val(); ttl < time.Hour-time.Minute || ttl > 2*time.Hour {
		t.Fatalf("conv ttl = %v", ttl)
	}
	// miniredis keeps an expiry as a duration from its own clock, so its
	// PEXPIRETIME may be a millisecond or so off what PEXPIREAT set; a
	// real server returns it exactly. An expiry a minute off still fails.
	for _, k := range []string{"conv:c1", "user:u1"} {
		at := rdb.PExpireTime(ctx, prefix+k).Val()
		if off := min(at%time.Hour, time.Hour-at%time.Hour); at <= 0 || off > time.Second || (redistest.URL() != "" && off != 0) {
			t.Fatalf("%s expires at %v, not on a whole hour", k, at)
		}
	}
	// Profile unchanged: its version is not checked, conversation moves on.
	if err := s.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c1", User: "u1", ConvVer: 1, ConvData: []byte("s2"), ConvTTL: time.Hour, UserTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	// A profile change on a stale profile version loses even with a fresh conversation version.
	if err := s.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c2", User: "u1", ConvVer: 0, ConvData: []byte("x"), ConvTTL: time.Hour, UserVer: 0, Profile: []byte("{}"), UserTTL: time.Hour}); !errors.Is(err, redisstore.ErrConflict) {
		t.Fatalf("stale profile: %v", err)
	}
	if n := rdb.SCard(ctx, prefix+"users").Val(); n != 1 {
		t.Fatalf("users index = %d", n)
	}
	// Forget deletes profile and reference, and the audience index entry.
	if err := s.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c1", User: "u1", ConvVer: 2, ConvData: []byte("s3"), ConvTTL: time.Hour, Forget: true}); err != nil {
		t.Fatal(err)
	}
	if rdb.Exists(ctx, prefix+"user:u1").Val() != 0 || rdb.SCard(ctx, prefix+"users").Val() != 0 {
		t.Fatal("forget left the user behind")
	}
}

func TestConcurrentCommitsExactlyOneWins(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c", User: "u", ConvVer: 0, ConvData: []byte("x"), ConvTTL: time.Minute, UserTTL: time.Minute})
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, redisstore.ErrConflict) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("wins = %d, want 1", wins)
	}
}

func TestCommitOpsAreAtomicWithTheState(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)
	ops := []redisstore.Op{
		{Cmd: "SET", Key: s.Key("team", "r1"), Args: []any{"sealed", "PX", 60000}},
		{Cmd: "ZADD", Key: s.Key("sched"), Args: []any{100, "deadline:r1"}},
	}
	c := redisstore.TurnCommit{Conv: "c", User: "u", ConvData: []byte("x"), ConvTTL: time.Minute, UserTTL: time.Minute, Ops: ops}
	if err := s.CommitTurn(ctx, c); err != nil {
		t.Fatal(err)
	}
	if rdb.Get(ctx, s.Key("team", "r1")).Val() != "sealed" || rdb.ZScore(ctx, s.Key("sched"), "deadline:r1").Val() != 100 {
		t.Fatal("ops not applied")
	}
	// A losing commit applies none of its ops.
	c.Ops = []redisstore.Op{{Cmd: "SET", Key: s.Key("team", "r2"), Args: []any{"sealed"}}}
	if err := s.CommitTurn(ctx, c); !errors.Is(err, redisstore.ErrConflict) {
		t.Fatalf("err = %v", err)
	}
	if rdb.Exists(ctx, s.Key("team", "r2")).Val() != 0 {
		t.Fatal("a conflicting commit wrote its ops")
	}
	c.ConvVer = 1
	c.Ops = []redisstore.Op{{Cmd: "FLUSHALL", Key: s.Key("x")}}
	if err := s.CommitTurn(ctx, c); err == nil {
		t.Fatal("a command outside the allowed set was accepted")
	}
}

func TestFailingOpLeavesTheStateUnwritten(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)
	rdb.HSet(ctx, s.Key("h"), "f", "v") // INCRBY on a hash fails with WRONGTYPE
	c := redisstore.TurnCommit{Conv: "c", User: "u", ConvData: []byte("draft gone"), ConvTTL: time.Minute, UserTTL: time.Minute,
		Ops: []redisstore.Op{{Cmd: "INCRBY", Key: s.Key("h"), Args: []any{1}}}}
	if err := s.CommitTurn(ctx, c); err == nil {
		t.Fatal("a failing op was not reported")
	}
	if d, _ := s.LoadTurn(ctx, "c", "u"); d.ConvVer != 0 || d.Conv != nil {
		t.Fatalf("state written despite the failed op: %+v", d)
	}
}
