package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// The inbox worker: every replica runs one. Work items are XADDed to the
// inboxq stream inside the turn that causes them (atomic with it); the
// consumer group hands each item to one replica; an item a replica took
// but did not acknowledge (it died, or no inbox is registered yet) is
// taken over by another with XAUTOCLAIM once idle for ClaimIdle. Posting a
// new case is guarded by a lease and an idempotency marker, so each case
// is posted once even when two replicas hold the same item.

const group = "inbox"

var errNoInbox = errors.New("no inbox channel registered")

// errBusy means another replica holds the posting lease.
var errBusy = errors.New("another replica is posting this case")

// RunInbox runs this replica's inbox worker until ctx ends.
func (s *Service) RunInbox(ctx context.Context) {
	s.defaults()
	rdb := s.Store.Client()
	q := s.Store.Key("inboxq")
	for ctx.Err() == nil {
		err := rdb.XGroupCreateMkStream(ctx, q, group, "0").Err()
		if err == nil || strings.Contains(err.Error(), "BUSYGROUP") {
			break
		}
		s.Log.Warn("inbox worker: cannot create consumer group; retrying", "err", err)
		sleep(ctx, 5*time.Second)
	}
	s.checkRedis(ctx)
	var lastPending, lastClaim time.Time
	for ctx.Err() == nil {
		woken := false
		select {
		case <-s.wake:
			woken = true
		default:
		}
		if woken || time.Since(lastPending) > 5*time.Second {
			lastPending = time.Now()
			s.readAndProcess(ctx, "0", 0) // our own unacknowledged items
		}
		if time.Since(lastClaim) > s.ClaimIdle/2 {
			lastClaim = time.Now()
			s.autoclaim(ctx)
		}
		s.readAndProcess(ctx, ">", s.Block)
	}
}

// checkRedis warns when Redis cannot make the timestamp-free stream ids
// (XADD 0-*, Redis 7.0 or later) that cases and the inbox queue use: on an
// older Redis every report would fail to file.
func (s *Service) checkRedis(ctx context.Context) {
	probe := s.Store.Key("probe", s.Consumer)
	err := s.Store.Client().XAdd(ctx, &redis.XAddArgs{Stream: probe, ID: "0-*", Values: []any{"x", "1"}}).Err()
	s.Store.Client().Del(ctx, probe)
	if err != nil && ctx.Err() == nil {
		s.Log.Error("Redis does not support XADD with 0-* ids (Redis 7.0 or later is needed): anonymous reports cannot be filed", "err", err)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (s *Service) readAndProcess(ctx context.Context, from string, block time.Duration) {
	args := &redis.XReadGroupArgs{Group: group, Consumer: s.Consumer, Streams: []string{s.Store.Key("inboxq"), from}, Count: 20, Block: block}
	if block <= 0 {
		args.Block = -1 // no BLOCK: return at once
	}
	res, err := s.Store.Client().XReadGroup(ctx, args).Result()
	if err != nil {
		if !errors.Is(err, redis.Nil) && ctx.Err() == nil {
			if strings.Contains(err.Error(), "NOGROUP") {
				_ = s.Store.Client().XGroupCreateMkStream(ctx, s.Store.Key("inboxq"), group, "0").Err()
			} else {
				s.Log.Warn("inbox worker: read failed", "err", err)
			}
			sleep(ctx, time.Second)
		}
		return
	}
	for _, st := range res {
		s.process(ctx, st.Messages)
	}
}

func (s *Service) autoclaim(ctx context.Context) {
	msgs, _, err := s.Store.Client().XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: s.Store.Key("inboxq"), Group: group, Consumer: s.Consumer, MinIdle: s.ClaimIdle, Start: "0-0", Count: 20,
	}).Result()
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, redis.Nil) && !strings.Contains(err.Error(), "NOGROUP") {
			s.Log.Warn("inbox worker: autoclaim failed", "err", err)
		}
		return
	}
	s.process(ctx, msgs)
}

// process carries out items; done ones are acknowledged and deleted (so
// the stream does not keep them), failed ones stay pending for a retry.
func (s *Service) process(ctx context.Context, msgs []redis.XMessage) {
	q := s.Store.Key("inboxq")
	for _, m := range msgs {
		if ctx.Err() != nil {
			return
		}
		s.processOne(ctx, q, m)
	}
}

// itemTimeout bounds one item (the connector's retries included); the
// posting lease outlives it.
const itemTimeout = 90 * time.Second

func (s *Service) processOne(parent context.Context, q string, m redis.XMessage) {
	ctx, cancel := context.WithTimeout(parent, itemTimeout)
	defer cancel()
	kind, _ := m.Values["t"].(string)
	id, _ := m.Values["c"].(string)
	var err error
	switch {
	case m.Values == nil || !dialogs.ValidCaseID(id):
		// Deleted meanwhile, or garbage: nothing to do.
	case kind == "new":
		err = s.postNew(ctx, id)
	case kind == "upd":
		err = s.postUpdate(ctx, id)
	case kind == "ntf":
		err = s.notifyReporter(ctx, id)
	}
	if err != nil {
		if !errors.Is(err, errNoInbox) && !errors.Is(err, errBusy) && ctx.Err() == nil {
			s.Log.Warn("inbox item will be retried", "kind", kind, "err", safeErr(err))
		}
		return
	}
	pipe := s.Store.Client().TxPipeline()
	pipe.XAck(ctx, q, group, m.ID)
	pipe.XDel(ctx, q, m.ID)
	if _, err := pipe.Exec(ctx); err != nil && ctx.Err() == nil {
		s.Log.Warn("inbox item not acknowledged; it may run again", "err", err)
	}
}

// safeErr keeps identifiers out of logs: a transport error's text holds
// the URL, and a reporter's conversation id is in it.
func safeErr(err error) string {
	var se *connector.StatusError
	switch {
	case errors.As(err, &se):
		return se.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, errNoCase):
		return errNoCase.Error()
	}
	return "send or store error"
}

func (s *Service) posted(ctx context.Context, id string) (string, error) {
	v, err := s.Store.Client().Get(ctx, s.postedKey(id)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// postNew posts a new case's card to the inbox, once.
func (s *Service) postNew(ctx context.Context, id string) error {
	if p, err := s.posted(ctx, id); err != nil || p != "" {
		return err
	}
	c, ref, found, err := s.caseForInbox(ctx, id)
	if !found || err != nil {
		return err // not found: purged before it was posted
	}
	rdb := s.Store.Client()
	got, err := rdb.SetNX(ctx, s.lockKey(id), s.Consumer, 2*itemTimeout).Result()
	if err != nil {
		return err
	}
	if !got {
		return errBusy
	}
	// Checked again under the lease: another replica may have just finished.
	if p, err := s.posted(ctx, id); err != nil || p != "" {
		rdb.Del(ctx, s.lockKey(id))
		return err
	}
	actID, err := s.Bot.SendToRef(ctx, ref, "", bot.LangOf(ref), dialogs.InboxCard(c.View))
	if err != nil {
		rdb.Del(ctx, s.lockKey(id))
		return err
	}
	s.countFiled(ctx, id, c) // statistics: counted at release, once (stats.go)
	if actID == "" {
		actID = "-"
	}
	pipe := rdb.TxPipeline()
	pipe.Set(ctx, s.postedKey(id), actID, 0)
	pipe.Del(ctx, s.lockKey(id))
	_, err = pipe.Exec(ctx)
	return err
}

// postUpdate refreshes a case's card after the reporter wrote, and says
// so in the card's thread.
func (s *Service) postUpdate(ctx context.Context, id string) error {
	p, err := s.posted(ctx, id)
	if err != nil {
		return err
	}
	if p == "" {
		return nil // the new-case card, posted later, shows everything
	}
	c, ref, found, err := s.caseForInbox(ctx, id)
	if !found || err != nil {
		return err
	}
	lang := bot.LangOf(ref)
	if p != "-" {
		if err := s.Bot.UpdateAtRef(ctx, ref, p, lang, dialogs.InboxCard(c.View)); err != nil && !errors.Is(err, connector.ErrUnreachable) {
			return err
		}
	}
	_, err = s.Bot.SendToRef(ctx, ref, threadOf(p), lang, dialogs.InboxEventCard("inbox-newinfo", "report.inbox.newInfo", c.View))
	return err
}

// caseForInbox loads a case and the inbox channel's reference for posting
// about it. found is false (with a nil error) when the case was purged;
// a missing inbox is errNoInbox (with the case loaded), so the work is
// retried once one is registered.
func (s *Service) caseForInbox(ctx context.Context, id string) (c caseState, ref bot.Ref, found bool, err error) {
	c, _, err = s.loadCase(ctx, id)
	if errors.Is(err, errNoCase) {
		return c, ref, false, nil
	}
	if err != nil {
		return c, ref, false, err
	}
	ref, ok, err := s.inbox(ctx)
	if err != nil {
		return c, ref, false, err
	}
	if !ok {
		return c, ref, false, errNoInbox
	}
	return c, ref, true, nil
}

func threadOf(posted string) string {
	if posted == "-" {
		return ""
	}
	return posted
}

// notifyReporter tells an opted-in reporter that the unit answered.
func (s *Service) notifyReporter(ctx context.Context, id string) error {
	rdb := s.Store.Client()
	sealed, err := rdb.Get(ctx, s.refKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil // not opted in, or the case closed
	}
	if err != nil {
		return err
	}
	plain, err := s.Keys.Open(sealed, []byte(s.refKey(id)))
	if err != nil {
		return fmt.Errorf("open notification link: %w", err)
	}
	var ref bot.Ref
	if err := json.Unmarshal(plain, &ref); err != nil {
		return fmt.Errorf("decode notification link: %w", err)
	}
	_, err = s.Bot.SendToRef(ctx, ref, "", bot.LangOf(ref), dialogs.NotifyCard())
	if errors.Is(err, connector.ErrUnreachable) {
		rdb.Del(ctx, s.refKey(id)) // the reporter removed the bot: drop the link
		return nil
	}
	return err
}

// --- scheduled items -------------------------------------------------------------------

// Handlers are the scheduler handlers of the report kinds.
func (s *Service) Handlers() map[string]schedule.Handler {
	return map[string]schedule.Handler{
		KindAckDeadline:      s.deadline(false),
		KindFeedbackDeadline: s.deadline(true),
		KindPurge:            func(ctx context.Context, d redisstore.Due) error { return s.Purge(ctx, string(d.Payload)) },
	}
}

// deadline reminds the inbox that a case's acknowledgement (7 days) or
// feedback (3 months) is due soon, unless it has been given.
func (s *Service) deadline(feedback bool) schedule.Handler {
	return func(ctx context.Context, d redisstore.Due) error {
		s.defaults()
		id := string(d.Payload)
		c, ref, found, err := s.caseForInbox(ctx, id)
		if errors.Is(err, errNoInbox) && (c.View.Status == dialogs.StatusClosed || (!feedback && c.Acked) || (feedback && c.Feedback)) {
			return nil // nothing to remind of, inbox or not
		}
		if !found || err != nil {
			return err
		}
		if c.View.Status == dialogs.StatusClosed || (!feedback && c.Acked) || (feedback && c.Feedback) {
			return nil
		}
		p, err := s.posted(ctx, id)
		if err != nil {
			return err
		}
		name, msg := "inbox-ack-reminder", "report.inbox.ackReminder"
		if feedback {
			name, msg = "inbox-feedback-reminder", "report.inbox.feedbackReminder"
		}
		if _, err := s.Bot.SendToRef(ctx, ref, threadOf(p), bot.LangOf(ref), dialogs.InboxEventCard(name, msg, c.View)); err != nil {
			return fmt.Errorf("deadline reminder: %s", safeErr(err))
		}
		return nil
	}
}

// Purge deletes a case: its events, receipt index, notification link,
// inbox marker and scheduled items, and (best effort) its card in the
// inbox channel.
func (s *Service) Purge(ctx context.Context, id string) error {
	s.defaults()
	if !dialogs.ValidCaseID(id) {
		return fmt.Errorf("purge: %w", schedule.ErrPermanent)
	}
	rdb := s.Store.Client()
	c, _, err := s.loadCase(ctx, id)
	if err != nil && !errors.Is(err, errNoCase) {
		return err
	}
	if p, _ := s.posted(ctx, id); p != "" && p != "-" && s.Bot != nil {
		if ref, ok, _ := s.inbox(ctx); ok {
			if err := s.Bot.DeleteAtRef(ctx, ref, p); err != nil {
				s.Log.Warn("inbox card of a purged case not deleted", "err", safeErr(err))
			}
		}
	}
	keys := []string{s.caseKey(id), s.refKey(id), s.postedKey(id), s.lockKey(id), s.Store.StatsMarkerKey(id)}
	if c.ReceiptKey != "" {
		keys = append(keys, c.ReceiptKey)
	}
	pipe := rdb.TxPipeline()
	pipe.Del(ctx, keys...)
	for _, item := range []string{"case-ack:", "case-fb:"} {
		pipe.ZRem(ctx, s.Store.Key("sched"), item+id)
		pipe.Del(ctx, s.Store.Key("sched", "i", item+id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("purge case: %w", err)
	}
	return nil
}
