// Package reminder carries out the playbooks' follow-up reminders: the
// Effect turns the dialogs' ScheduleReminder and CancelReminder outputs into
// scheduler writes committed atomically with the turn, and the Handler sends
// a due reminder to the user's 1:1 chat.
//
// A scheduled reminder holds only the keyed hash of the user, the
// reminder's random id and where in which playbook: no raw ids.
package reminder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/redisstore"
)

// Kind is the scheduler kind of reminders.
const Kind = "reminder"

// payload is what a scheduled reminder carries.
type payload struct {
	User     string `json:"u"` // keyed hash of the user
	ID       string `json:"i"` // the reminder's id in the user's profile
	Playbook string `json:"p"`
	// StepID is the step; Step the position in payloads scheduled by
	// versions before step ids (read against the playbook's frozen
	// positions, so a step inserted since does not move the reminder).
	StepID string `json:"si,omitempty"`
	Step   int    `json:"s,omitempty"`
}

// ItemID is the scheduler id of a user's reminder: scoped by the user's
// keyed hash, so one user can never cancel another's.
func ItemID(userKey, id string) string { return Kind + ":" + userKey + ":" + id }

// Effect schedules and cancels reminders as part of the turn's commit.
func Effect(store *redisstore.Store) effect.Func {
	return func(_ context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
		switch o := o.(type) {
		case dialogs.ScheduleReminder:
			if tc.UserKey == "" || o.ID == "" {
				return effect.Prepared{}, true, errors.New("reminder: no user or id")
			}
			p, err := json.Marshal(payload{User: tc.UserKey, ID: o.ID, Playbook: o.Playbook, StepID: o.StepID, Step: o.Step})
			if err != nil {
				return effect.Prepared{}, true, fmt.Errorf("reminder payload: %w", err)
			}
			return effect.Prepared{Ops: store.ScheduleOps(ItemID(tc.UserKey, o.ID), o.At, Kind, p)}, true, nil
		case dialogs.CancelReminder:
			return effect.Prepared{Ops: store.UnscheduleOps(ItemID(tc.UserKey, o.ID))}, true, nil
		}
		return effect.Prepared{}, false, nil
	}
}

// Sender sends a card to a user's 1:1 chat and opens their sealed
// profile (*bot.Sender, or its Notices through the outbox; checked in
// cmd/graensen).
type Sender interface {
	SendToUser(ctx context.Context, userKey string, card dialogs.Card) (string, error)
	OpenProfile(userKey string, raw []byte) dialogs.Profile
}

// Handler sends due reminders. A reminder the user cancelled or forgot
// (uninstall) in the meantime is dropped quietly; a user the bot can no
// longer reach is a permanent failure; anything else is retried.
func Handler(s Sender, store *redisstore.Store, lib *content.Library) schedule.Handler {
	return func(ctx context.Context, d redisstore.Due) error {
		var p payload
		if err := json.Unmarshal(d.Payload, &p); err != nil || p.User == "" {
			return fmt.Errorf("%w: reminder payload unreadable", schedule.ErrPermanent)
		}
		data, err := store.LoadTurn(ctx, "-", p.User)
		if err != nil {
			return fmt.Errorf("reminder: load profile: %w", err)
		}
		prof := s.OpenProfile(p.User, data.Profile) // unreadable: treated as gone
		if !slices.ContainsFunc(prof.Reminders, func(r dialogs.Reminder) bool { return r.ID == p.ID }) {
			return nil // cancelled, or the user was forgotten
		}
		_, err = s.SendToUser(ctx, p.User, dialogs.ReminderCard(lib, p.Playbook, content.LegacyRef(p.StepID, p.Step)))
		if errors.Is(err, activity.ErrNoReference) || errors.Is(err, connector.ErrUnreachable) {
			return fmt.Errorf("%w: %w", schedule.ErrPermanent, err)
		}
		return err
	}
}
