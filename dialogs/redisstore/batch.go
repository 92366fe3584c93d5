package redisstore

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Group commit (issue 14, point 6). Turns commit and take their reply's
// budget slot by the thousand a second, each a script call of its own:
// a write and a read on the socket for the bot and for Redis, per call.
// The scripts of turns that commit at the same moment are sent together
// in one pipeline instead: a call that finds fewer than maxFlying
// pipelines under way sends its own at once (no waiting when the bot is
// quiet); one that finds them busy is queued and goes with the next. Each
// script still runs on its own and atomically in Redis, in the order the
// calls were queued; only the round trips are shared.
type batcher struct {
	mu     sync.Mutex
	queue  []*scriptCall
	flying int // pipelines under way, at most maxFlying
}

const (
	maxFlying = 2  // pipelines under way at once
	maxBatch  = 64 // calls in one pipeline
)

// batchTimeout bounds one pipeline (it runs for several callers, so not
// under any one caller's context).
const batchTimeout = 10 * time.Second

type scriptCall struct {
	script *redis.Script
	keys   []string
	args   []any
	cmd    *redis.Cmd
	done   chan struct{}
}

// run runs script like script.Run, in a pipeline shared with the calls
// made at the same moment.
func (b *batcher) run(ctx context.Context, rdb redis.UniversalClient, script *redis.Script, keys []string, args ...any) *redis.Cmd {
	c := &scriptCall{script: script, keys: keys, args: args, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	lead := b.flying < maxFlying
	if lead {
		b.flying++
	}
	b.mu.Unlock()
	if lead {
		b.lead(rdb)
	}
	select {
	case <-c.done:
		return c.cmd
	case <-ctx.Done():
		cmd := redis.NewCmd(ctx)
		cmd.SetErr(ctx.Err())
		return cmd
	}
}

// lead sends one pipeline of the queued calls; while more are queued, a
// goroutine of its own sends the next (the caller goes on with its turn).
func (b *batcher) lead(rdb redis.UniversalClient) {
	b.mu.Lock()
	n := min(len(b.queue), maxBatch)
	batch := b.queue[:n:n]
	b.queue = b.queue[n:]
	b.mu.Unlock()
	if len(batch) > 0 {
		send(rdb, batch)
	}
	b.mu.Lock()
	if len(b.queue) == 0 {
		b.flying--
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	go b.lead(rdb) // keeps the slot
}

// send runs a batch of script calls in one pipeline. A script Redis does
// not have yet (NOSCRIPT, e.g. after a restart) is run again on its own,
// which loads it.
func send(rdb redis.UniversalClient, batch []*scriptCall) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	pipe := rdb.Pipeline()
	for _, c := range batch {
		c.cmd = c.script.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	for _, c := range batch {
		if err := c.cmd.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
			c.cmd = c.script.Run(ctx, rdb, c.keys, c.args...)
		}
		close(c.done)
	}
}
