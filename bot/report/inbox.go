package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// The inbox worker: every replica runs one. Work items reach the inboxq
// stream at a release (Release, run by the shared scheduler, moves the
// outbox there in one shuffled batch) or at once when the reporter chose
// so; the consumer group hands each item to one replica; an item a
// replica took but did not acknowledge (it died, or no inbox is registered
// yet) is taken over by another with XAUTOCLAIM once idle for ClaimIdle.
// Posting a new case is guarded by a lease and an idempotency marker, so
// each case is posted once even when two replicas hold the same item.

const group = "inbox"

var errNoInbox = errors.New("no inbox channel registered")

// errBusy means another replica holds the posting lease.
var errBusy = errors.New("another replica is posting this case")

// RunInbox runs this replica's inbox worker until ctx ends.
func (s *Service) RunInbox(ctx context.Context) {
	s.defaults()
	for ctx.Err() == nil {
		err := s.Store.EnsureQueue(ctx, group)
		if err == nil {
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
			s.ensureRelease(ctx)
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
	if err := s.Store.ProbeZeroIDs(ctx, s.Consumer); err != nil && ctx.Err() == nil {
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
	items, err := s.Store.ReadQueue(ctx, group, s.Consumer, from, 20, block)
	if err != nil {
		if ctx.Err() == nil {
			s.Log.Warn("inbox worker: read failed", "err", err)
			sleep(ctx, time.Second)
		}
		return
	}
	s.process(ctx, items)
}

func (s *Service) autoclaim(ctx context.Context) {
	items, err := s.Store.ClaimQueue(ctx, group, s.Consumer, s.ClaimIdle, 20)
	if err != nil {
		if ctx.Err() == nil {
			s.Log.Warn("inbox worker: autoclaim failed", "err", err)
		}
		return
	}
	s.process(ctx, items)
}

// process carries out items; done ones are acknowledged and deleted (so
// the stream does not keep them), failed ones stay pending for a retry.
func (s *Service) process(ctx context.Context, items []redisstore.QueueItem) {
	for _, it := range items {
		if ctx.Err() != nil {
			return
		}
		s.processOne(ctx, it)
	}
}

// itemTimeout bounds one item (the connector's retries included); the
// posting lease outlives it.
const itemTimeout = 90 * time.Second

func (s *Service) processOne(parent context.Context, it redisstore.QueueItem) {
	ctx, cancel := context.WithTimeout(parent, itemTimeout)
	defer cancel()
	var err error
	switch {
	case !dialogs.ValidCaseID(it.Case):
		// Deleted meanwhile, or garbage: nothing to do.
	case it.Kind == "new":
		err = s.postNew(ctx, it.Case)
	case it.Kind == "upd":
		err = s.postUpdate(ctx, it.Case)
	case it.Kind == "ntf":
		err = s.notifyReporter(ctx, it.Case)
	}
	if tooLarge(err) {
		// Final (cardsize.go): a refused message is not retried in a loop.
		s.Log.Warn("inbox item dropped: Teams refused the message as too large (413)", "kind", it.Kind)
		err = nil
	}
	if err != nil {
		if !errors.Is(err, errNoInbox) && !errors.Is(err, errBusy) && ctx.Err() == nil {
			s.Log.Warn("inbox item will be retried", "kind", it.Kind, "err", safeErr(err))
		}
		return
	}
	if err := s.Store.QueueDone(ctx, group, it.ID); err != nil && ctx.Err() == nil {
		s.Log.Warn("inbox item not acknowledged; it may run again", "err", err)
	}
}

// --- releases ------------------------------------------------------------------------

// release is the scheduler handler of a release: it schedules the next
// one if anything is left waiting, moves the outbox into the inbox queue
// in one shuffled batch, wakes the worker and asks Redis to rewrite its
// AOF, so that no write history older than this release stays on disk.
// The scheduler's lease gives each release to one replica; run twice, it
// moves nothing twice (redisstore.Store.Release).
func (s *Service) release(ctx context.Context, d redisstore.Due) error {
	s.defaults()
	n, err := s.Store.Release(ctx, s.Shuffle)
	if err != nil {
		return err
	}
	if n > 0 {
		s.Wake()
	}
	s.Store.RewriteAOF(ctx, s.Log)
	if s.OnRelease != nil {
		s.OnRelease(n)
	}
	s.ensureReleaseAfter(ctx, d.At)
	return nil
}

// ensureRelease makes sure a release is scheduled while anything waits in
// the outbox (a safety net: every write to the outbox schedules one).
func (s *Service) ensureRelease(ctx context.Context) { s.ensureReleaseAfter(ctx, time.Time{}) }

func (s *Service) ensureReleaseAfter(ctx context.Context, after time.Time) {
	n, err := s.Store.PendingLen(ctx)
	if err != nil || n == 0 {
		return
	}
	now := s.Now()
	if after.After(now) {
		now = after
	}
	next := s.Release.Next(now)
	if err := s.Store.Schedule(ctx, releaseID(next), next, KindRelease, nil); err != nil && ctx.Err() == nil {
		s.Log.Warn("next release not scheduled; the inbox worker tries again", "err", err)
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

// posted is the Teams id of the case's card in the inbox ("-" when Teams
// gave none; "" while not posted). Teams message ids carry the time they
// were posted, so the id is stored sealed, never in clear.
func (s *Service) posted(ctx context.Context, id string) (string, error) {
	sealed, ok, err := s.Store.Get(ctx, s.postedKey(id))
	if err != nil || !ok {
		return "", err
	}
	v, err := s.Keys.Open(sealed, []byte(s.postedKey(id)))
	if err != nil {
		return "", fmt.Errorf("open posted marker: %w", err)
	}
	return string(v), nil
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
	got, err := s.Store.Lock(ctx, s.lockKey(id), s.Consumer, 2*itemTimeout)
	if err != nil {
		return err
	}
	if !got {
		return errBusy
	}
	unlock := func() {
		if err := s.Store.Del(ctx, s.lockKey(id)); err != nil {
			s.Log.Warn("inbox notification lease not released; it expires", "err", safeErr(err))
		}
	}
	// Checked again under the lease: another replica may have just finished.
	if p, err := s.posted(ctx, id); err != nil || p != "" {
		unlock()
		return err
	}
	actID, err := s.sendCase(ctx, ref, c.View)
	if err != nil {
		unlock()
		return err
	}
	s.countFiled(ctx, id, c) // statistics: counted at release, once (stats.go)
	if actID == "" {
		actID = "-"
	}
	return s.Store.SetAndUnlock(ctx, s.postedKey(id), s.Keys.Seal([]byte(actID), []byte(s.postedKey(id))), s.lockKey(id))
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
	lang := ref.Lang()
	if p != "-" {
		if err := s.updateCase(ctx, ref, p, c.View); err != nil && !errors.Is(err, connector.ErrUnreachable) {
			return err
		}
	}
	_, err = s.Send.SendToRef(ctx, ref, threadOf(p), lang, dialogs.InboxEventCard("inbox-newinfo", "report.inbox.newInfo", c.View))
	return err
}

// caseForInbox loads a case and the inbox channel's reference for posting
// about it. found is false (with a nil error) when the case was purged;
// a missing inbox is errNoInbox (with the case loaded), so the work is
// retried once one is registered.
func (s *Service) caseForInbox(ctx context.Context, id string) (c caseState, ref activity.Ref, found bool, err error) {
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
	sealed, ok, err := s.Store.Get(ctx, s.refKey(id))
	if err != nil || !ok {
		return err // !ok: not opted in, or the case closed
	}
	plain, err := s.Keys.Open(sealed, []byte(s.refKey(id)))
	if err != nil {
		return fmt.Errorf("open notification link: %w", err)
	}
	var ref activity.Ref
	if err := json.Unmarshal(plain, &ref); err != nil {
		return fmt.Errorf("decode notification link: %w", err)
	}
	// Through the outbox when there is one (issue 15): queued at notice
	// priority as a write of its own, never with the case's keys; a
	// reporter who removed the bot is then dropped by the outbox (the link
	// goes with the case).
	err = s.Send.QueueToRef(ctx, ref, ref.Lang(), dialogs.NotifyCard())
	if errors.Is(err, connector.ErrUnreachable) {
		// The reporter removed the bot: drop the link.
		if err := s.Store.Del(ctx, s.refKey(id)); err != nil {
			s.Log.Warn("notification link of an unreachable reporter not dropped", "err", safeErr(err))
		}
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
		KindRelease:          s.release,
	}
}

// deadline reminds the inbox that a case's acknowledgement (7 days) or
// feedback (3 months) is due soon, unless it has been given.
func (s *Service) deadline(feedback bool) schedule.Handler {
	return func(ctx context.Context, d redisstore.Due) error {
		s.defaults()
		id := string(d.Payload)
		c, ref, found, err := s.caseForInbox(ctx, id)
		name, msg, remind := dialogs.DeadlineReminder(feedback, c.View.Status, c.Acked, c.Feedback)
		if errors.Is(err, errNoInbox) && !remind {
			return nil // nothing to remind of, inbox or not
		}
		if !found || err != nil {
			return err
		}
		if !remind {
			return nil
		}
		p, err := s.posted(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.Send.SendToRef(ctx, ref, threadOf(p), ref.Lang(), dialogs.InboxEventCard(name, msg, c.View)); err != nil {
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
	c, _, err := s.loadCase(ctx, id)
	if err != nil && !errors.Is(err, errNoCase) {
		return err
	}
	p, err := s.posted(ctx, id)
	if err != nil {
		// Redis is down or failing: the purge is retried, card and all.
		return fmt.Errorf("purge: read the posted marker: %w", err)
	}
	if p != "" && p != "-" && s.Send != nil {
		ref, ok, err := s.inbox(ctx)
		if err != nil {
			return fmt.Errorf("purge: read the inbox: %w", err)
		}
		if ok {
			if err := s.Send.DeleteAtRef(ctx, ref, p); err != nil {
				s.Log.Warn("inbox card of a purged case not deleted", "err", safeErr(err))
			}
		}
	}
	var ops []redisstore.Op
	for _, k := range []string{s.caseKey(id), s.refKey(id), s.postedKey(id), s.lockKey(id), s.Store.StatsMarkerKey(id), c.ReceiptKey} {
		if k != "" {
			ops = append(ops, redisstore.Op{Cmd: "DEL", Key: k})
		}
	}
	ops = append(ops, s.Store.UnscheduleOps("case-ack:"+id)...)
	ops = append(ops, s.Store.UnscheduleOps("case-fb:"+id)...)
	if err := s.Store.Write(ctx, ops); err != nil {
		return fmt.Errorf("purge case: %w", err)
	}
	return nil
}
