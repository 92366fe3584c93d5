package outbox_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot/outbox"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

// nextSlot is how far ahead of now the tenant budget's next free slot is
// (0 when nothing has taken one).
func nextSlot(t *testing.T, rdb redis.UniversalClient, store *redisstore.Store, now time.Time) time.Duration {
	t.Helper()
	v, err := rdb.Get(context.Background(), store.Key("rate", "tenant")).Result()
	if err == redis.Nil {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	tat, _ := strconv.ParseInt(v, 10, 64)
	return time.Duration(tat-now.UnixMicro()) * time.Microsecond
}

// takeAll takes n replies' slots at once.
func takeAll(ob *outbox.Service, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { ob.Take(context.Background()) })
	}
	wg.Wait()
}

// While proactive senders are at work, replies taken at once, however
// they are grouped into writes, move the tenant budget by exactly one slot
// each: 200 replies at 50/s put the next free slot 4 s ahead.
func TestConcurrentRepliesTakeOneSlotEach(t *testing.T) {
	rdb, prefix := redistest.New(t)
	store := redisstore.New(rdb, prefix)
	now := time.UnixMicro(time.Now().UnixMicro())
	// A campaign or a welcome took a slot just now.
	if err := rdb.Set(context.Background(), store.Key("rate", "proactive"), "1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	ob := outbox.New(outbox.Config{Store: store, Rate: 50, Now: func() time.Time { return now }})
	takeAll(ob, 200)
	if got, want := nextSlot(t, rdb, store, now), 4*time.Second; got != want {
		t.Fatalf("next slot %v ahead, want %v", got, want)
	}
}

// With no proactive sender at work, replies take nothing (nobody would be
// pushed back); once the outbox claims a slot for a welcome, this
// replica's replies count again at once.
func TestRepliesTakeNothingWhileNothingIsSentProactively(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	store := redisstore.New(rdb, prefix)
	now := time.UnixMicro(time.Now().UnixMicro())
	ob := outbox.New(outbox.Config{Store: store, Rate: 50, Now: func() time.Time { return now }})
	// The first reply looks (replies during a look count, as in doubt);
	// the next 50 use what it found.
	ob.Take(ctx)
	takeAll(ob, 50)
	if got := nextSlot(t, rdb, store, now); got != 0 {
		t.Fatalf("replies with nothing proactive moved the budget %v ahead", got)
	}
	if active, err := store.ProactiveActive(ctx); err != nil || active {
		t.Fatalf("proactive = %v, %v before anything was queued", active, err)
	}
	// Another replica's outbox claims a welcome's slot: the mark is set
	// for two seconds, and a replica's next look sees it.
	if err := store.Exec(ctx, store.OutboxOps("w1", outbox.PriorityNotice, now, []byte("sealed"))); err != nil {
		t.Fatal(err)
	}
	if _, ok, _, err := store.ClaimOutbox(ctx, now, time.Minute, 20*time.Millisecond, time.Second, outbox.PriorityBulk); err != nil || !ok {
		t.Fatalf("claim: ok=%v, %v", ok, err)
	}
	if active, err := store.ProactiveActive(ctx); err != nil || !active {
		t.Fatalf("proactive = %v, %v after a claim", active, err)
	}
	if ttl := rdb.PTTL(ctx, store.Key("rate", "proactive")).Val(); ttl <= 0 || ttl > 2*time.Second {
		t.Fatalf("the proactive mark lives %v, want at most 2 s", ttl)
	}
	before := nextSlot(t, rdb, store, now)
	time.Sleep(150 * time.Millisecond) // past the replica's last look (100 ms)
	ob.Take(ctx)
	takeAll(ob, 49)
	if got := nextSlot(t, rdb, store, now) - before; got != time.Second {
		t.Fatalf("50 replies at 50/s while a welcome is sent moved the budget %v, want 1s", got)
	}
}
