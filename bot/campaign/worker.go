package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/profile"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/internal/randid"
)

// item is one stream entry handed to a worker.
type item struct {
	campaign string
	entry    string
	member   string
	attempt  int
}

// def is a campaign's spec with its cards rendered once per language.
type def struct {
	spec  dialogs.CampaignSpec
	cards map[dialogs.Lang]schema.Attachment
	chans map[dialogs.Lang]schema.Attachment
	// withdrawn replaces a recalled message where the chat cannot delete it.
	withdrawn map[dialogs.Lang]schema.Attachment
}

func (s *Service) def(ctx context.Context, id string) (*def, error) {
	if d, ok := s.defs.Load(id); ok {
		return d.(*def), nil
	}
	spec, err := s.Spec(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &def{spec: spec, cards: map[dialogs.Lang]schema.Attachment{}, chans: map[dialogs.Lang]schema.Attachment{},
		withdrawn: map[dialogs.Lang]schema.Attachment{}}
	for _, l := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
		d.cards[l] = s.cfg.Renderer.Attachment(l, dialogs.CampaignMessage(spec, l))
		d.chans[l] = s.cfg.Renderer.Attachment(l, dialogs.ChannelMessage(spec, l))
		d.withdrawn[l] = s.cfg.Renderer.Attachment(l, dialogs.CampaignWithdrawn())
	}
	s.defs.Store(id, d)
	return d, nil
}

// Run sends campaigns until ctx ends: one dispatcher reads the streams of
// the active campaigns, moves due retries back and takes over entries a
// dead replica left; the workers send. Run returns once every worker has
// finished its current item.
func (s *Service) Run(ctx context.Context) {
	items := make(chan item, s.cfg.Workers)
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case it := <-items:
					s.process(ctx, it)
				}
			}
		}()
	}
	s.dispatch(ctx, items)
	wg.Wait()
}

func (s *Service) dispatch(ctx context.Context, items chan<- item) {
	lastClaim := map[string]time.Time{}
	for ctx.Err() == nil {
		ids, err := s.db.Active(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("campaign: list active failed", "err", err)
			}
			sleep(ctx, s.cfg.Poll)
			continue
		}
		got := 0
		for _, id := range ids {
			now := s.cfg.Now()
			if err := s.db.MoveDue(ctx, id, now, 500); err != nil {
				s.log.Warn("campaign: move due entries failed", "err", err)
			}
			var msgs []redisstore.CampaignEntry
			if now.Sub(lastClaim[id]) >= s.cfg.ClaimIdle/4 {
				lastClaim[id] = now
				msgs, err = s.db.AutoClaim(ctx, id, s.cfg.Consumer, s.cfg.ClaimIdle, 200)
				if err != nil && ctx.Err() == nil {
					s.log.Warn("campaign: autoclaim failed", "err", err)
				}
				s.taken.Add(int64(len(msgs)))
			}
			if free := cap(items) - len(items); len(msgs) == 0 && free > 0 {
				res, err := s.db.ReadNew(ctx, id, s.cfg.Consumer, int64(max(free, 1)))
				if err != nil && ctx.Err() == nil {
					if errors.Is(err, redisstore.ErrNoGroup) {
						continue // not yet started by its replica
					}
					s.log.Warn("campaign: read failed", "err", err)
				}
				msgs = append(msgs, res...)
			}
			for _, m := range msgs {
				if m.Member == "" {
					s.ack(ctx, id, m.ID)
					continue
				}
				select {
				case items <- item{campaign: id, entry: m.ID, member: m.Member, attempt: m.Attempt}:
					got++
				case <-ctx.Done():
					return
				}
			}
		}
		if got == 0 {
			for id := range lastClaim {
				if !containsStr(ids, id) {
					delete(lastClaim, id)
					s.defs.Delete(id)
				}
			}
			sleep(ctx, s.cfg.Poll)
		}
	}
}

func containsStr(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

var sleep = connector.Sleep

// target is where a recipient's message goes.
type target struct {
	ref  activity.Ref
	lang dialogs.Lang
}

// errBadRef is a stored reference that cannot be opened or decoded (a
// permanent failure, unlike Redis being unreachable).
var errBadRef = errors.New("unreadable reference")

// loadTarget opens a recipient's sealed reference; ok=false means there
// is none (uninstalled since), muted that the user muted campaigns.
func (s *Service) loadTarget(ctx context.Context, member string, honourMute bool) (t target, ok, muted bool, err error) {
	var sealed []byte
	var aad string
	var prof dialogs.Profile
	if team, isTeam := strings.CutPrefix(member, "t:"); isTeam {
		b, err := s.db.TeamRef(ctx, team)
		if err != nil {
			return t, false, false, err
		}
		if b == nil {
			return t, false, false, nil
		}
		sealed, aad = b, "team:"+team
	} else {
		str, p, err := s.db.UserRef(ctx, member)
		if err != nil {
			return t, false, false, err
		}
		if str == "" {
			return t, false, false, nil
		}
		if p != "" {
			var err error
			if prof, _, err = profile.Open(s.cfg.Keys, member, []byte(p)); err != nil {
				s.log.Warn("campaign recipient's profile taken as fresh (not muted)", "err", err)
			}
		}
		if prof.Muted && honourMute {
			return t, true, true, nil
		}
		sealed, aad = []byte(str), "ref:"+member
	}
	plain, err := s.cfg.Keys.Open(sealed, []byte(aad))
	if err != nil {
		return t, false, false, fmt.Errorf("%w: open: %w", errBadRef, err)
	}
	if err := json.Unmarshal(plain, &t.ref); err != nil {
		return t, false, false, fmt.Errorf("%w: decode: %w", errBadRef, err)
	}
	t.lang = dialogs.ResolveLang(prof.Lang, t.ref.Locale)
	return t, true, false, nil
}

// activityTo addresses a campaign message to a recipient (activity.Ref.Message).
func activityTo(t target, att schema.Attachment) *schema.Activity {
	return t.ref.Message("", t.lang, att)
}

// outcome is what to record for a recipient.
type outcome struct {
	status   Status
	code     string
	notBefor time.Time // re-queue at (retrying)
}

// process carries one stream entry to its end: skipped, sent, failed or
// re-queued for later.
func (s *Service) process(ctx context.Context, it item) {
	d, err := s.def(ctx, it.campaign)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			s.ack(ctx, it.campaign, it.entry)
		}
		return // left pending: taken over later
	}
	t, ok, muted, err := s.loadTarget(ctx, it.member, d.spec.Op == "")
	switch {
	case err != nil && !errors.Is(err, errBadRef):
		// Redis unreachable: not the recipient's fault. The entry stays
		// pending and is taken over after ClaimIdle.
		if ctx.Err() == nil {
			s.log.Warn("campaign: recipient not loaded", "err", err)
		}
		sleep(ctx, s.cfg.Poll)
		return
	case err != nil:
		s.log.Warn("campaign: recipient unreadable", "err", err)
		s.finish(ctx, it, outcome{status: Failed, code: "reference"})
		return
	case muted:
		s.finish(ctx, it, outcome{status: Muted})
		return
	case !ok:
		o, found := s.installOutcome(ctx, it)
		if found == nil {
			s.finish(ctx, it, o)
			return
		}
		t = *found // the chat Graph named for an installed app
	}
	// Take a slot from the tenant limit and the conversation's windows.
	for {
		if ctx.Err() != nil {
			return
		}
		code, n, err := s.acquire(ctx, it.campaign, it.member)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("campaign: acquire failed", "err", err)
			}
			sleep(ctx, s.cfg.Poll)
			return // pending: taken over or retried after ClaimIdle
		}
		switch code {
		case 0:
			sleep(ctx, time.Duration(n)*time.Microsecond)
		case 1: // already final (a re-delivered entry)
			s.ack(ctx, it.campaign, it.entry)
			return
		case 2: // another worker holds it: look again after its lease
			s.requeue(ctx, it, s.cfg.Now().Add(time.Duration(n)*time.Millisecond))
			return
		case 3: // this conversation must wait
			wait := time.Duration(n) * time.Millisecond
			if wait <= 250*time.Millisecond {
				sleep(ctx, wait)
				continue
			}
			s.requeue(ctx, it, s.cfg.Now().Add(wait))
			return
		case 4: // the tenant limit: wait for a slot
			sleep(ctx, time.Duration(n)*time.Millisecond+time.Duration(rand.N(2000))*time.Microsecond)
			continue
		}
		break
	}
	att := d.cards[t.lang]
	if strings.HasPrefix(it.member, "t:") {
		att = d.chans[t.lang]
	}
	code, err := s.deliver(ctx, it, d, t, att)
	if err != nil && ctx.Err() != nil {
		return // shutting down mid-send: the lease expires and another replica decides
	}
	o := s.classify(ctx, it, err)
	if err == nil {
		o.code = code
	}
	s.finish(ctx, it, o)
}

// classify maps a send result to an outcome (platform.md §3-4).
func (s *Service) classify(ctx context.Context, it item, err error) outcome {
	if err == nil {
		s.sent.Add(1)
		if s.cfg.CountUse != nil {
			s.cfg.CountUse(s.cfg.Now(), dialogs.CountUse{Metric: "campaign.sent"})
		}
		return outcome{status: Sent}
	}
	if errors.Is(err, errNoActivity) {
		return outcome{status: Failed, code: "noactivity"}
	}
	var se *connector.StatusError
	if !errors.As(err, &se) {
		// A transport error on a POST: Teams may have delivered it, and a
		// duplicate is worse than a gap, so it is not retried.
		return outcome{status: Failed, code: "transport"}
	}
	code := strconv.Itoa(se.StatusCode)
	if se.Code != "" {
		code += " " + strings.NewReplacer("|", "", ",", "").Replace(se.Code)
	}
	now := s.cfg.Now()
	switch se.StatusCode {
	case http.StatusForbidden, http.StatusNotFound:
		if d, err := s.def(ctx, it.campaign); err != nil && !errors.Is(err, ErrNotFound) {
			// Unsure whether this was a recall's 404: keep the reference.
			s.log.Warn("campaign: campaign unreadable; stale reference kept", "err", err)
			return outcome{status: Unreachable, code: code}
		} else if d != nil && d.spec.Op != "" {
			return outcome{status: Unreachable, code: code} // the message is gone (or the chat): nothing to drop
		}
		if !strings.HasPrefix(it.member, "t:") {
			if err := s.st.DropRef(ctx, it.member); err != nil {
				s.log.Warn("campaign: stale reference not dropped", "err", err)
			}
		} else {
			if err := s.db.DropTeam(ctx, strings.TrimPrefix(it.member, "t:")); err != nil {
				s.log.Warn("campaign: stale team not dropped", "err", err)
			}
		}
		return outcome{status: Unreachable, code: code}
	case http.StatusTooManyRequests:
		wait := se.RetryAfter
		if wait <= 0 {
			wait = backoff(it.attempt)
		}
		// Only this conversation slows down.
		if err := s.db.Hold(ctx, it.member, now.Add(wait), wait+time.Second); err != nil {
			s.log.Warn("campaign: conversation hold not stored", "err", err)
		}
		if it.attempt+1 >= s.cfg.MaxAttempts {
			return outcome{status: Failed, code: code}
		}
		return outcome{status: Retrying, code: code, notBefor: now.Add(wait)}
	case http.StatusPreconditionFailed, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if it.attempt+1 >= s.cfg.MaxAttempts {
			return outcome{status: Failed, code: code}
		}
		return outcome{status: Retrying, code: code, notBefor: now.Add(backoff(it.attempt))}
	}
	return outcome{status: Failed, code: code}
}

// backoff is 500 ms · 2^n, capped at 20 s, with jitter in [d/2, d].
func backoff(n int) time.Duration {
	d := 500 * time.Millisecond
	for i := 0; i < n && d < 20*time.Second; i++ {
		d *= 2
	}
	d = min(d, 20*time.Second)
	return d/2 + rand.N(d/2+1)
}

func (s *Service) acquire(ctx context.Context, id, member string) (code, n int64, err error) {
	now := s.cfg.Now()
	unique := id + ":" + strconv.FormatInt(now.UnixNano(), 36) + ":" + randid.Hex(4)
	return s.db.Acquire(ctx, id, member, now, s.cfg.Lease, 1e6/s.cfg.Rate, 200_000, unique, convWindows)
}

// requeue puts an entry back for later without changing its status.
func (s *Service) requeue(ctx context.Context, it item, at time.Time) {
	payload := it.member + "|" + strconv.Itoa(it.attempt) + "|" + strconv.FormatInt(at.UnixNano(), 36)
	if err := s.db.Requeue(ctx, it.campaign, it.entry, payload, at); err != nil && ctx.Err() == nil {
		s.log.Warn("campaign: requeue failed", "err", err)
	}
}

// finish records an outcome, acks the entry and, when it was the last,
// completes the campaign.
func (s *Service) finish(ctx context.Context, it item, o outcome) {
	now := s.cfg.Now()
	nb, payload := "", ""
	if o.status == Retrying {
		nb = strconv.FormatInt(o.notBefor.UnixMilli(), 10)
		payload = it.member + "|" + strconv.Itoa(it.attempt+1) + "|" + strconv.FormatInt(now.UnixNano(), 36)
	}
	rec := redisstore.CampaignOutcome{Member: it.member, Status: string(o.status), Code: o.code, Entry: it.entry, Now: now,
		NotBefore: nb, Payload: payload, PurgeAt: now.Add(s.cfg.Retention), PurgeID: purgeID(it.campaign), PurgeKind: KindPurge}
	// The outcome of a send that happened must not be lost to Redis being
	// down (crashed, restarting): this worker keeps trying until it is
	// recorded, so the recipient is not sent again once the lease expires.
	// The script is idempotent (a final status stays; XACK twice is a no-op).
	var done int
	for wait := s.cfg.Poll; ; wait = min(2*wait, 2*time.Second) {
		var err error
		if done, err = s.db.Finish(ctx, it.campaign, rec); err == nil {
			break
		}
		if ctx.Err() != nil {
			return // shutting down: the lease expires and another replica decides
		}
		s.log.Warn("campaign: record outcome failed; retrying", "err", err)
		sleep(ctx, wait)
	}
	s.progress(ctx, it.campaign, done == 1)
}
