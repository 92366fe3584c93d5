package bot

import (
	"context"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// Outbox is the tenant-wide queue of messages the bot starts (issue 15,
// point 3; implemented by bot/outbox). The welcome after an install is
// queued with the turn's commit instead of being sent in the turn, so an
// install storm (an app setup policy reaching thousands at once) waits its
// turn instead of being throttled away; every reply takes its slot of
// the tenant budget first.
type Outbox interface {
	QueueOps(serviceURL, conv string, acts []*schema.Activity, prio int, kind string, now time.Time) ([]redisstore.Op, error)
	Take(ctx context.Context)
	// Enqueue queues one message outside a turn, as a write of its own
	// (reminders, report notifications: bot/outbox.Service.Enqueue).
	Enqueue(ctx context.Context, serviceURL, conv string, act *schema.Activity, prio int) error
}

// noticePriority is bot/outbox.PriorityNotice: welcomes, reminders and
// report notifications.
const noticePriority = 1

// Priority and kind of the welcome in the outbox (bot/outbox.PriorityNotice, KindWelcome).
const (
	welcomePriority = noticePriority
	welcomeKind     = "welcome"
)

// queueStarted moves an install turn's replies (the welcome) into the
// outbox, atomically with the turn's commit.
func (b *Bot) queueStarted(kind dialogs.Kind, a *schema.Activity, lang dialogs.Lang, outs []dialogs.Output, c *redisstore.TurnCommit, now time.Time) ([]dialogs.Output, error) {
	if b.cfg.Outbox == nil || kind != dialogs.KindInstall {
		return outs, nil
	}
	kept := outs[:0:0]
	var acts []*schema.Activity
	for _, o := range outs {
		r, ok := o.(dialogs.Reply)
		if !ok {
			kept = append(kept, o)
			continue
		}
		act := b.replyActivity(a, lang, r.Card)
		act.ReplyToID = ""
		act.Conversation.TenantID = activity.TenantOf(a)
		acts = append(acts, act)
	}
	if len(acts) == 0 {
		return outs, nil
	}
	// One entry for the turn's messages: they arrive in order.
	ops, err := b.cfg.Outbox.QueueOps(a.ServiceURL, a.Conversation.ID, acts, welcomePriority, welcomeKind, now)
	if err != nil {
		return nil, err
	}
	c.Ops = append(c.Ops, ops...)
	return kept, nil
}

// takeBudget takes a reply's slot of the tenant budget (no wait).
func (b *Bot) takeBudget(ctx context.Context) {
	if b.cfg.Outbox != nil {
		b.cfg.Outbox.Take(ctx)
	}
}
