package bot

import (
	"sync"
	"sync/atomic"
	"testing"
)

// Every function handed to spawn runs once, whether a waiting goroutine
// takes it or a new one starts, also when many come at once.
func TestSpawnRunsEveryDeliveryOnce(t *testing.T) {
	b := &Bot{idle: make(chan func())}
	var ran atomic.Int64
	var wg sync.WaitGroup
	for round := range 3 {
		var starters sync.WaitGroup
		for range 200 {
			wg.Add(1)
			starters.Go(func() { b.spawn(func() { ran.Add(1); wg.Done() }) })
		}
		starters.Wait()
		wg.Wait()
		if got := ran.Load(); got != int64(200*(round+1)) {
			t.Fatalf("round %d: %d ran, want %d", round, got, 200*(round+1))
		}
	}
}
