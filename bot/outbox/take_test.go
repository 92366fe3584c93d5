package outbox_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kk/graensen/bot/outbox"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

// Replies taken at once, however they are grouped into writes, move the
// tenant budget by exactly one slot each: 200 replies at 50/s put the next
// free slot 4 s ahead.
func TestConcurrentRepliesTakeOneSlotEach(t *testing.T) {
	rdb, prefix := redistest.New(t)
	store := redisstore.New(rdb, prefix)
	now := time.UnixMicro(time.Now().UnixMicro())
	ob := outbox.New(outbox.Config{Store: store, Rate: 50, Now: func() time.Time { return now }})
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() { ob.Take(context.Background()) })
	}
	wg.Wait()
	v, err := rdb.Get(context.Background(), store.Key("rate", "tenant")).Result()
	if err != nil {
		t.Fatal(err)
	}
	tat, _ := strconv.ParseInt(v, 10, 64)
	if got, want := time.Duration(tat-now.UnixMicro())*time.Microsecond, 4*time.Second; got != want {
		t.Fatalf("next slot %v ahead, want %v", got, want)
	}
}
