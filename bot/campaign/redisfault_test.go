package campaign_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/dialogs"
)

// failUserReads fails the first n reads of a user's reference, as a Redis
// that went away for a moment would.
type failUserReads struct{ left atomic.Int64 }

func (*failUserReads) DialHook(next redis.DialHook) redis.DialHook { return next }
func (f *failUserReads) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if key, _ := cmd.Args()[min(1, len(cmd.Args())-1)].(string); cmd.Name() == "hmget" && strings.Contains(key, ":user:") && f.left.Add(-1) >= 0 {
			err := errors.New("dial tcp: connection refused (injected)")
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}
func (*failUserReads) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestRedisErrorLoadingRecipientIsNotAFailure: a recipient whose
// reference could not be read because Redis was unreachable is not
// recorded "failed" (a lost message once Redis is back): the entry stays
// pending, is taken over and sent once.
func TestRedisErrorLoadingRecipientIsNotAFailure(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 3 {
		e.addUser(aadN(i), "da-DK", dialogs.Profile{})
	}
	hook := &failUserReads{}
	hook.left.Store(2)
	e.rdb.AddHook(hook)
	s := e.service("a", func(c *campaign.Config) { c.ClaimIdle = 200 * time.Millisecond })
	id := "c0000000000000401"
	e.start(s, spec(id, dialogs.CampaignAudience{Kind: dialogs.AudienceAll}))
	p := e.run(id, s)
	if p.Sent != 3 || p.Failed != 0 {
		t.Fatalf("progress %+v", p)
	}
	for i := range 3 {
		if n := e.fake.Delivered()["a:"+aadN(i)]; n != 1 {
			t.Errorf("%s delivered %d times", aadN(i), n)
		}
	}
	if hook.left.Load() >= 0 {
		t.Fatal("no read failed")
	}
}
