package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

func TestClassify(t *testing.T) {
	s := redisstore.New(nil, "g:")
	for _, tc := range []struct {
		key  string
		args []any
		want redisstore.Class
	}{
		{"g:conv:abc", nil, redisstore.Person},
		{"g:user:abc", nil, redisstore.Person},
		{"g:users", []any{"abc"}, redisstore.Person},
		{"g:rate:file:h1", nil, redisstore.Person},
		{"g:rate:rcpt:h1", nil, redisstore.Person},
		{"g:rate:hold:h1", nil, redisstore.Person},
		{"g:rate:file:all:2026-12-01", nil, redisstore.Neutral},
		{"g:rate:rcpt:all:2026120112", nil, redisstore.Neutral},
		{"g:rate:tenant", nil, redisstore.Neutral},
		{"g:ob:e:0a1b2c", nil, redisstore.Person},
		{"g:ob:q", []any{1e13, "0a1b2c"}, redisstore.Neutral},
		{"g:ob:l", nil, redisstore.Neutral},
		{"g:report:K1", nil, redisstore.Case},
		{"g:report:K1:posted", nil, redisstore.Case},
		{"g:receipt:h", nil, redisstore.Case},
		{"g:rsess:h", nil, redisstore.Case},
		{"g:once:h", nil, redisstore.Case},
		{"g:outbox", []any{"new:K1"}, redisstore.Case},
		{"g:inboxq", nil, redisstore.Case},
		{"g:sched", []any{int64(1), "case-ack:K1"}, redisstore.Case},
		{"g:sched:i:case-fb:K1", nil, redisstore.Case},
		{"g:sched", []any{int64(1), "reminder:u:r1"}, redisstore.Person},
		{"g:sched:i:reminder:u:r1", nil, redisstore.Person},
		{"g:sched", []any{int64(1), "inbox-release:1"}, redisstore.Neutral},
		{"g:inbox", nil, redisstore.Neutral},
		{"g:team:h", nil, redisstore.Neutral},
		{"g:campaign:c1", nil, redisstore.Neutral},
		{"other:conv:abc", nil, redisstore.Neutral}, // not ours
	} {
		if got := s.Classify(tc.key, tc.args...); got != tc.want {
			t.Errorf("Classify(%q, %v) = %s, want %s", tc.key, tc.args, got, tc.want)
		}
	}
}

func TestNoWriteLinksAPersonToACase(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)
	hour := time.Now().Truncate(time.Hour).Add(2 * time.Hour).UnixMilli()
	person := redisstore.Op{Cmd: "INCRBY", Key: s.Key("rate", "file", "h1"), Args: []any{1}}
	kase := redisstore.Op{Cmd: "XADD", Key: s.CaseKey("K1"), Args: []any{"0-*", "e", "sealed"}}
	neutral := redisstore.Op{Cmd: "INCRBY", Key: s.Key("rate", "file", "all", "d"), Args: []any{1}}

	// A turn's commit is a person's: a case's key in its ops is refused,
	// and nothing of the commit is written.
	c := redisstore.TurnCommit{Conv: "c", User: "u", ConvData: []byte("x"), ConvTTL: time.Hour, UserTTL: time.Hour,
		Ops: []redisstore.Op{person, kase}}
	if err := s.CommitTurn(ctx, c); !errors.Is(err, redisstore.ErrLinked) {
		t.Fatalf("commit with a case op: %v, want ErrLinked", err)
	}
	if d, _ := s.LoadTurn(ctx, "c", "u"); d.ConvVer != 0 {
		t.Fatal("the refused commit wrote the state")
	}
	// The case's own deadline scheduled in a person's commit: refused too.
	c.Ops = s.ScheduleOps("case-ack:K1", time.Now(), "k", nil)
	if err := s.CommitTurn(ctx, c); !errors.Is(err, redisstore.ErrLinked) {
		t.Fatalf("commit scheduling a case item: %v, want ErrLinked", err)
	}
	// A write of its own may touch a case, or a person, not both.
	if err := s.Write(ctx, []redisstore.Op{kase, person}); !errors.Is(err, redisstore.ErrLinked) {
		t.Fatalf("mixed write: %v, want ErrLinked", err)
	}
	if _, err := s.WriteOnce(ctx, s.OnceKey("t1"), nil, time.Now().Add(time.Hour), []redisstore.Op{person}); !errors.Is(err, redisstore.ErrLinked) {
		t.Fatalf("person op under a case's once key: %v, want ErrLinked", err)
	}
	if rdb.Exists(ctx, s.CaseKey("K1"), s.Key("rate", "file", "h1"), s.OnceKey("t1")).Val() != 0 {
		t.Fatal("a refused write wrote something")
	}
	// Neutral keys go with either.
	if err := s.Write(ctx, []redisstore.Op{kase, neutral}); err != nil {
		t.Fatal(err)
	}
	c.Ops = []redisstore.Op{person, {Cmd: "PEXPIREAT", Key: person.Key, Args: []any{hour}}, neutral}
	if err := s.CommitTurn(ctx, c); err != nil {
		t.Fatal(err)
	}
}

func TestPersonExpiriesFallOnWholeHours(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)
	key := s.Key("rate", "rcpt", "h1")
	whole := time.Now().Truncate(time.Hour).Add(2 * time.Hour).UnixMilli()
	for _, bad := range []redisstore.Op{
		{Cmd: "PEXPIRE", Key: key, Args: []any{int64(60000)}},
		{Cmd: "PEXPIREAT", Key: key, Args: []any{whole + 1}},
		{Cmd: "PEXPIREAT", Key: key, Args: []any{"soon"}},
	} {
		c := redisstore.TurnCommit{Conv: "c", User: "u", ConvData: []byte("x"), ConvTTL: time.Hour, UserTTL: time.Hour,
			Ops: []redisstore.Op{{Cmd: "INCRBY", Key: key, Args: []any{1}}, bad}}
		if err := s.CommitTurn(ctx, c); !errors.Is(err, redisstore.ErrExpiry) {
			t.Errorf("%s %v: %v, want ErrExpiry", bad.Cmd, bad.Args, err)
		}
	}
	// A case's key may expire at any time the domain chooses (dates, releases).
	if err := s.Write(ctx, []redisstore.Op{{Cmd: "SET", Key: s.SessionKey("x"), Args: []any{"v"}}, {Cmd: "PEXPIREAT", Key: s.SessionKey("x"), Args: []any{whole + 1}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z"},
		{"2026-12-01T10:00:00.001Z", "2026-12-01T11:00:00Z"},
		{"2026-12-01T10:59:59Z", "2026-12-01T11:00:00Z"},
	} {
		in, _ := time.Parse(time.RFC3339Nano, tc.in)
		if got := redisstore.CeilHour(in).UTC().Format(time.RFC3339); got != tc.want {
			t.Errorf("CeilHour(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestWriteOnceWritesOnce(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)
	once := s.OnceKey("token")
	ops := []redisstore.Op{{Cmd: "XADD", Key: s.CaseKey("K1"), Args: []any{"0-*", "e", "x"}}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wrote := 0
	for range 8 {
		wg.Go(func() {
			ok, err := s.WriteOnce(ctx, once, []byte("sealed-id"), time.Now().Add(time.Hour), ops)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wrote++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wrote != 1 || rdb.XLen(ctx, s.CaseKey("K1")).Val() != 1 {
		t.Fatalf("%d writes reported, %d entries; want 1", wrote, rdb.XLen(ctx, s.CaseKey("K1")).Val())
	}
	if v, ok, _ := s.Get(ctx, once); !ok || string(v) != "sealed-id" {
		t.Fatalf("once key holds %q", v)
	}
}

func TestReleaseMovesEachItemOnce(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)
	const n = 40
	var ops []redisstore.Op
	for i := range n {
		ops = append(ops, s.PendingOp("new", "K"+string(rune('A'+i%26))+string(rune('a'+i/26))))
	}
	if err := s.Write(ctx, ops); err != nil {
		t.Fatal(err)
	}
	// Two replicas release at once: every item moves exactly once.
	var wg sync.WaitGroup
	moved := make([]int, 2)
	for r := range 2 {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(r), 7))
			m, err := s.Release(ctx, rnd.Shuffle)
			if err != nil {
				t.Error(err)
			}
			moved[r] = m
		})
	}
	wg.Wait()
	if moved[0]+moved[1] != n {
		t.Fatalf("moved %v, want %d in all", moved, n)
	}
	msgs := rdb.XRange(ctx, s.InboxQueue(), "-", "+").Val()
	seen := map[string]bool{}
	for _, m := range msgs {
		if !strings.HasPrefix(m.ID, "0-") {
			t.Fatalf("queue id %s carries a time", m.ID)
		}
		seen[m.Values["c"].(string)] = true
	}
	if len(msgs) != n || len(seen) != n {
		t.Fatalf("%d queue entries for %d cases, want %d", len(msgs), len(seen), n)
	}
	if left, _ := s.PendingLen(ctx); left != 0 {
		t.Fatalf("%d left in the outbox", left)
	}
	// Nothing left: a second release moves nothing.
	if m, err := s.Release(ctx, rand.Shuffle); err != nil || m != 0 {
		t.Fatalf("second release moved %d, %v", m, err)
	}
}

func TestRewriteAOFWithoutConfigLogsOnce(t *testing.T) {
	m := miniredis.RunT(t) // refuses CONFIG, like a managed Redis
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer rdb.Close()
	s := redisstore.New(rdb, "g:")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for range 3 {
		if s.RewriteAOF(context.Background(), log) {
			t.Fatal("a rewrite was reported without CONFIG")
		}
	}
	if n := strings.Count(logs.String(), "CONFIG"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logs.String())
	}
}
