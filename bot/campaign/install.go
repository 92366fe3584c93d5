package campaign

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/graph"
	"github.com/kk/graensen/dialogs"
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
//   - after a 409 (installed before, yet no reference: the
//     installationUpdate was missed or the reference dropped) it asks
//     Graph for the 1:1 chat between the user and the app
//     (Installer.Chat) and delivers there at once, at Config.ServiceURL;
//   - else waits for the reference (Teams sends the bot an
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
	// Chat returns the id of the 1:1 chat between the user and the app
	// (graph.ErrNotFound when there is none).
	Chat(ctx context.Context, aadID string) (chatID string, err error)
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
// found is set when the recipient can be delivered to now: the app was
// already installed for them (409) and Graph named the 1:1 chat.
func (s *Service) installOutcome(ctx context.Context, it item) (o outcome, found *target) {
	if s.cfg.Installer == nil || strings.HasPrefix(it.member, "t:") {
		return outcome{status: NotInstalled}, nil
	}
	now := s.cfg.Now()
	prev, err := s.db.Install(ctx, it.campaign, it.member)
	if err != nil {
		return outcome{status: Retrying, code: "installing", notBefor: now.Add(s.cfg.Poll)}, nil
	}
	kind, _, _ := strings.Cut(prev, "|")
	switch kind {
	case InstallNow, InstallAlready: // installed: waiting for Teams' installationUpdate
		if kind == InstallAlready {
			if aad, ok, _ := s.openAad(ctx, it); ok {
				if t, ok := s.chatTarget(ctx, aad); ok {
					return outcome{}, &t
				}
			}
		}
		if it.attempt+1 >= s.cfg.MaxAttempts {
			return outcome{status: NotInstalled, code: "noreference"}, nil
		}
		return outcome{status: Retrying, code: "installing", notBefor: now.Add(s.installWait(it.attempt))}, nil
	case InstallRefused, InstallDeclined:
		return outcome{status: NotInstalled, code: kind}, nil
	}
	if gone, err := s.db.Uninstalled(ctx, it.member); err != nil {
		return outcome{status: Retrying, code: "installing", notBefor: now.Add(s.cfg.Poll)}, nil
	} else if gone {
		s.recordInstall(ctx, it, InstallDeclined, "")
		return outcome{status: NotInstalled, code: "removed"}, nil
	}
	aad, ok, err := s.openAad(ctx, it)
	if err != nil {
		return outcome{status: Retrying, code: "installing", notBefor: now.Add(s.cfg.Poll)}, nil
	} else if !ok {
		return outcome{status: NotInstalled}, nil // no Entra id known (a follow-up's key)
	}
	s.installs.wait(ctx)
	already, err := s.cfg.Installer.Install(ctx, aad)
	var se *graph.StatusError
	switch {
	case err == nil:
		kind = InstallNow
		if already {
			kind = InstallAlready
		}
		s.recordInstall(ctx, it, kind, "")
		if already {
			// Installed before, but the bot has no reference (the
			// installationUpdate was missed, or the reference dropped): the
			// chat Graph names is the conversation.
			if t, ok := s.chatTarget(ctx, aad); ok {
				return outcome{}, &t
			}
		}
		return outcome{status: Retrying, code: "installing", notBefor: s.cfg.Now().Add(s.installWait(it.attempt))}, nil
	case errors.As(err, &se) && (se.StatusCode == http.StatusTooManyRequests || se.StatusCode >= 500):
		// Still throttled after the client's bounded waits: later.
		wait := max(se.RetryAfter, backoff(it.attempt))
		if it.attempt+1 >= s.cfg.MaxAttempts {
			return outcome{status: NotInstalled, code: "install " + strconv.Itoa(se.StatusCode)}, nil
		}
		return outcome{status: Retrying, code: "install " + strconv.Itoa(se.StatusCode), notBefor: s.cfg.Now().Add(wait)}, nil
	case errors.As(err, &se) || errors.Is(err, graph.ErrNotFound):
		detail := "404"
		if se != nil {
			detail = strings.TrimSpace(strconv.Itoa(se.StatusCode) + " " + se.Code)
		}
		s.recordInstall(ctx, it, InstallRefused, detail)
		return outcome{status: NotInstalled, code: "install " + detail}, nil
	}
	// A transport error: installing is idempotent (409 the next time).
	if ctx.Err() != nil || it.attempt+1 >= s.cfg.MaxAttempts {
		return outcome{status: NotInstalled, code: "install transport"}, nil
	}
	return outcome{status: Retrying, code: "install transport", notBefor: s.cfg.Now().Add(backoff(it.attempt))}, nil
}

// openAad opens a recipient's sealed Entra object id (kept with the
// campaign at expansion); ok is false when none is known, err a Redis
// failure.
func (s *Service) openAad(ctx context.Context, it item) (aad string, ok bool, err error) {
	sealed, err := s.db.SealedAad(ctx, it.campaign, it.member)
	if err != nil || sealed == nil {
		return "", false, err
	}
	plain, err := s.cfg.Keys.Open(sealed, []byte("aad:"+it.member))
	if err != nil {
		return "", false, nil
	}
	return string(plain), true, nil
}

// chatTarget is where to deliver to a user who has the app but no
// reference: the 1:1 chat between the user and the app, as Graph names it
// (Installer.Chat), at ServiceURL. The reference is used for this
// delivery only; the user's first turn stores the real one. Such a user
// has never written to the bot, so the message is in Danish, the
// municipality's language. ok is false when Graph names no chat (or
// ServiceURL is unset): the recipient then waits for a reference as
// after an installation.
func (s *Service) chatTarget(ctx context.Context, aad string) (target, bool) {
	if s.cfg.ServiceURL == "" {
		return target{}, false
	}
	chat, err := s.cfg.Installer.Chat(ctx, aad)
	if err != nil {
		if !errors.Is(err, graph.ErrNotFound) && ctx.Err() == nil {
			s.log.Warn("campaign: chat of an installed app not looked up", "err", err)
		}
		return target{}, false
	}
	return target{ref: activity.Ref{ServiceURL: s.cfg.ServiceURL, ChannelID: "msteams", ConversationID: chat,
		TenantID: s.cfg.TenantID, BotID: s.cfg.BotID, Locale: "da-DK"}, lang: dialogs.Danish}, true
}

// installWait is how long to wait for the reference after the n-th look:
// InstallWait · 2^n, at most 30 s.
func (s *Service) installWait(n int) time.Duration {
	return min(s.cfg.InstallWait<<min(n, 6), 30*time.Second)
}
