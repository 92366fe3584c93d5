package schedule_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

func TestItemsFireOnceAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	store := redisstore.New(rdb, prefix)
	now := time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)
	for i := 0; i < 200; i++ {
		if err := store.Schedule(ctx, fmt.Sprintf("r%d", i), now.Add(-time.Minute), "test", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	future := "later"
	if err := store.Schedule(ctx, future, now.Add(time.Hour), "test", nil); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	fired := map[string]int{}
	h := func(_ context.Context, d redisstore.Due) error {
		mu.Lock()
		fired[d.ID]++
		mu.Unlock()
		return nil
	}
	// Two replicas on one Redis, polling at once.
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run := &schedule.Runner{Store: store, Handlers: map[string]schedule.Handler{"test": h}, Now: func() time.Time { return now }, Batch: 7}
			for run.Tick(ctx) > 0 {
			}
		}()
	}
	wg.Wait()
	if len(fired) != 200 {
		t.Fatalf("fired %d items, want 200", len(fired))
	}
	for id, n := range fired {
		if n != 1 {
			t.Fatalf("%s fired %d times", id, n)
		}
	}
	if fired[future] != 0 {
		t.Fatal("a future item fired")
	}
}

func TestFailedItemsRetryAndExpiredLeasesReturn(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	store := redisstore.New(rdb, prefix)
	now := time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	_ = store.Schedule(ctx, "a", now, "k", []byte("p"))
	var calls atomic.Int32
	fail := true
	run := &schedule.Runner{Store: store, Now: clock, RetryDelay: time.Minute, Handlers: map[string]schedule.Handler{"k": func(context.Context, redisstore.Due) error {
		calls.Add(1)
		if fail {
			return fmt.Errorf("connector down")
		}
		return nil
	}}}
	if run.Tick(ctx) != 1 || run.Tick(ctx) != 0 {
		t.Fatal("a failed item must wait for its retry time")
	}
	now = now.Add(time.Minute)
	fail = false
	if run.Tick(ctx) != 1 || calls.Load() != 2 {
		t.Fatalf("retry did not run: calls=%d", calls.Load())
	}
	// A replica that claims and dies: the lease expires and the item comes back.
	_ = store.Schedule(ctx, "b", now, "k", nil)
	if due, _ := store.ClaimDue(ctx, now, 10, time.Minute); len(due) != 1 {
		t.Fatal("claim failed")
	}
	if run.Tick(ctx) != 0 {
		t.Fatal("a leased item was handed out twice")
	}
	now = now.Add(2 * time.Minute)
	if run.Tick(ctx) != 1 {
		t.Fatal("an expired lease did not return the item")
	}
	if n := rdb.Exists(ctx, prefix+"sched:i:a", prefix+"sched:i:b").Val(); n != 0 {
		t.Fatalf("%d done items left behind", n)
	}
}
