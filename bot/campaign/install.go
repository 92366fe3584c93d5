package campaign

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kk/graensen/bot/graph"
)

// Proactive installation (issue 15, point 2). With an Installer
// configured, recipients of a list or group audience who have no
// conversation reference are queued like the others; the worker that
// takes one:
//
//   - skips a user who removed the app (the bot's <p>uninstalled set):
//     notinstalled, code "removed", install outcome "declined";
//   - else installs the app for them through Graph (bounded by
//     InstallRate per replica; Graph's 429/503 Retry-After are honoured by
//     the client): 201 → "installed", 409 → "already", 403/404/400 →
//     "refused" with Graph's status and code (then notinstalled);
//   - then waits for the reference (Teams sends the bot an
//     installationUpdate, the turn stores it): the recipient is re-queued
//     (retrying, code "installing") with growing waits, and sent to as
//     soon as the reference is there; after MaxAttempts without one it is
//     notinstalled with code "noreference".
//
// The outcome is kept once per recipient in campaign:<id>:i, counted in
// the campaign's hash (i_installed, i_already, i_refused, i_declined) and
// shown in the CSV's install column.

// Installer installs the bot's app for a user by Entra object id
// (graph.Installer).
type Installer interface {
	Install(ctx context.Context, aadID string) (already bool, err error)
}

// Installation outcomes.
const (
	InstallNow      = "installed"
	InstallAlready  = "already"
	InstallRefused  = "refused"
	InstallDeclined = "declined" // the user removed the app: never reinstalled
)

// installLimiter spaces calls evenly at a rate (one replica).
type installLimiter struct {
	mu    sync.Mutex
	next  time.Time
	every time.Duration
}

func (l *installLimiter) wait(ctx context.Context) {
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.every)
	l.mu.Unlock()
	sleep(ctx, at.Sub(now))
}

// installOutcome decides what happens to a recipient with no reference.
func (s *Service) installOutcome(ctx context.Context, it item) outcome {
	if s.cfg.Installer == nil || strings.HasPrefix(it.member, "t:") {
		return outcome{status: NotInstalled}
	}
	now := s.cfg.Now()
	prev, err := s.db.Install(ctx, it.campaign, it.member)
	if err != nil {
		return outcome{status: Retrying, code: "installing", notBefor: now.Add(s.cfg.Poll)}
	}
	kind, _, _ := strings.Cut(prev, "|")
	switch kind {
	case InstallNow, InstallAlready: // installed: waiting for Teams' installationUpdate
		if it.attempt+1 >= s.cfg.MaxAttempts {
			return outcome{status: NotInstalled, code: "noreference"}
		}
		return outcome{status: Retrying, code: "installing", notBefor: now.Add(s.installWait(it.attempt))}
	case InstallRefused, InstallDeclined:
		return outcome{status: NotInstalled, code: kind}
	}
	if gone, err := s.db.Uninstalled(ctx, it.member); err != nil {
		return outcome{status: Retrying, code: "installing", notBefor: now.Add(s.cfg.Poll)}
	} else if gone {
		s.recordInstall(ctx, it, InstallDeclined, "")
		return outcome{status: NotInstalled, code: "removed"}
	}
	sealed, err := s.db.SealedAad(ctx, it.campaign, it.member)
	if err != nil {
		return outcome{status: Retrying, code: "installing", notBefor: now.Add(s.cfg.Poll)}
	}
	aad, err := s.cfg.Keys.Open(sealed, []byte("aad:"+it.member))
	if sealed == nil || err != nil {
		return outcome{status: NotInstalled} // no Entra id known (a follow-up's key)
	}
	s.installs.wait(ctx)
	already, err := s.cfg.Installer.Install(ctx, string(aad))
	var se *graph.StatusError
	switch {
	case err == nil:
		kind = InstallNow
		if already {
			kind = InstallAlready
		}
		s.recordInstall(ctx, it, kind, "")
		return outcome{status: Retrying, code: "installing", notBefor: s.cfg.Now().Add(s.installWait(it.attempt))}
	case errors.As(err, &se) && (se.StatusCode == http.StatusTooManyRequests || se.StatusCode >= 500):
		// Still throttled after the client's bounded waits: later.
		wait := max(se.RetryAfter, backoff(it.attempt))
		if it.attempt+1 >= s.cfg.MaxAttempts {
			return outcome{status: NotInstalled, code: "install " + strconv.Itoa(se.StatusCode)}
		}
		return outcome{status: Retrying, code: "install " + strconv.Itoa(se.StatusCode), notBefor: s.cfg.Now().Add(wait)}
	case errors.As(err, &se) || errors.Is(err, graph.ErrNotFound):
		detail := "404"
		if se != nil {
			detail = strings.TrimSpace(strconv.Itoa(se.StatusCode) + " " + se.Code)
		}
		s.recordInstall(ctx, it, InstallRefused, detail)
		return outcome{status: NotInstalled, code: "install " + detail}
	}
	// A transport error: installing is idempotent (409 the next time).
	if ctx.Err() != nil || it.attempt+1 >= s.cfg.MaxAttempts {
		return outcome{status: NotInstalled, code: "install transport"}
	}
	return outcome{status: Retrying, code: "install transport", notBefor: s.cfg.Now().Add(backoff(it.attempt))}
}

// installWait is how long to wait for the reference after the n-th look:
// InstallWait · 2^n, at most 30 s.
func (s *Service) installWait(n int) time.Duration {
	return min(s.cfg.InstallWait<<min(n, 6), 30*time.Second)
}
