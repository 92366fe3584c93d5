package report

// The case card within Teams' message size (issue 12, F).
//
// Teams refuses a bot message over its size limit with 413
// MessageSizeTooBig. Microsoft documents the limit as about 100 KB
// (UTF-16, recommending under 80 KB) for bot messages
// (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages),
// as 40 KB in earlier versions of the same page, and as about 28 KB for a
// posted card in the Teams connector
// (https://learn.microsoft.com/connectors/teams/#known-issues-and-limitations).
// The case card keeps to the strictest: its rendered JSON stays within
// cardBudget bytes, so with the activity around it the message stays under
// 28 KB. The card shows the latest messages and notes (MaxCardMsgs,
// MaxCardNotes, then fewer while too large) and says how many earlier
// ones it leaves out; the case itself keeps them all.
//
// If Teams refuses a card all the same, the 413 is final: a short card
// without the texts takes its place (the handlers can still act on the
// case), and if even that is refused, a one-line notice in the channel
// says so. The inbox item is then done: it is never retried in a loop.

import (
	"context"
	"errors"
	"net/http"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/dialogs"
)

// cardBudget is the largest rendered case card, in bytes of JSON.
const cardBudget = 24 << 10

// caseCard is the inbox card of a case, within cardBudget.
func (s *Service) caseCard(v dialogs.CaseView, lang dialogs.Lang) dialogs.Card {
	msgs, notes := len(v.Msgs), len(v.Notes)
	v.Msgs = latest(v.Msgs, s.Limits.MaxCardMsgs)
	v.Notes = latest(v.Notes, s.Limits.MaxCardNotes)
	for range 200 {
		card := withEarlier(dialogs.InboxCard(v), msgs-len(v.Msgs), notes-len(v.Notes))
		if s.Send == nil || s.Send.CardSize(lang, card) <= cardBudget {
			return card
		}
		switch {
		case len(v.Notes) > 0 && (len(v.Msgs) <= 1 || v.Notes[0].Date <= v.Msgs[0].Date):
			v.Notes = v.Notes[1:]
		case len(v.Msgs) > 1:
			v.Msgs = v.Msgs[1:]
		case runes(v.Answers.What) > 500:
			v.Answers.What = cut(v.Answers.What, runes(v.Answers.What)/2)
		case len(v.Msgs) == 1 && runes(v.Msgs[0].Text) > 500:
			v.Msgs = []dialogs.CaseMsg{v.Msgs[0]}
			v.Msgs[0].Text = cut(v.Msgs[0].Text, runes(v.Msgs[0].Text)/2)
		case len(v.Msgs) == 1:
			v.Msgs = nil
		default:
			return card
		}
	}
	return shortCard(v)
}

// shortCard is the case without its texts: what a handler needs to act.
func shortCard(v dialogs.CaseView) dialogs.Card {
	n := len(v.Msgs) + len(v.Notes)
	v.Msgs, v.Notes = nil, nil
	v.Answers.What = cut(v.Answers.What, 200)
	card := dialogs.InboxCard(v)
	card.Blocks = insertBefore(card.Blocks, dialogs.Block{Kind: dialogs.BlockSubtle,
		Msg: dialogs.Msg{ID: "report.rules.tooLarge", Data: map[string]any{"N": n}}})
	return card
}

func latest[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[len(xs)-n:]
	}
	return xs
}

func runes(s string) int { return len([]rune(s)) }

// cut shortens s to n characters, marking the cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + " […]"
}

// withEarlier tells on the card how many earlier messages and notes it
// does not show.
func withEarlier(c dialogs.Card, msgs, notes int) dialogs.Card {
	if msgs <= 0 && notes <= 0 {
		return c
	}
	c.Blocks = insertBefore(c.Blocks, dialogs.Block{Kind: dialogs.BlockSubtle,
		Msg: dialogs.Msg{ID: "report.rules.earlier", Data: map[string]any{"Msgs": max(msgs, 0), "Notes": max(notes, 0)}}})
	return c
}

// insertBefore puts b before the case's first message or note, else
// before its status field, else at the end.
func insertBefore(blocks []dialogs.Block, b dialogs.Block) []dialogs.Block {
	at := len(blocks)
	for i, x := range blocks {
		switch {
		case x.Msg.ID == "report.case.fromReporter" || x.Msg.ID == "report.case.fromUnit" || x.Msg.ID == "report.case.note":
			at = i
		case x.Kind == dialogs.BlockChoice && x.ID == "status" && at == len(blocks):
			at = i
		default:
			continue
		}
		break
	}
	out := append([]dialogs.Block{}, blocks[:at]...)
	out = append(out, b)
	return append(out, blocks[at:]...)
}

func tooLarge(err error) bool {
	var se *connector.StatusError
	return errors.As(err, &se) && se.StatusCode == http.StatusRequestEntityTooLarge
}

// sendCase posts a case's card to the inbox. A 413 is final: the short
// card goes instead, and if that is refused too, a notice (and "-": no
// card to update).
func (s *Service) sendCase(ctx context.Context, ref activity.Ref, v dialogs.CaseView) (string, error) {
	lang := ref.Lang()
	id, err := s.Send.SendToRef(ctx, ref, "", lang, s.caseCard(v, lang))
	if !tooLarge(err) {
		return id, err
	}
	s.Log.Warn("inbox card refused as too large (413); posting a short card")
	if id, err = s.Send.SendToRef(ctx, ref, "", lang, shortCard(v)); !tooLarge(err) {
		return id, err
	}
	_, err = s.Send.SendToRef(ctx, ref, "", lang, dialogs.InboxEventCard("inbox-toolarge", "report.rules.tooLargeNotice", v))
	if tooLarge(err) {
		err = nil // nothing smaller to send: give up on it, never loop
	}
	return "-", err
}

// updateCase replaces a case's card; after a 413 the short card goes
// instead, and a second 413 is given up (the thread notice still tells).
func (s *Service) updateCase(ctx context.Context, ref activity.Ref, posted string, v dialogs.CaseView) error {
	lang := ref.Lang()
	err := s.Send.UpdateAtRef(ctx, ref, posted, lang, s.caseCard(v, lang))
	if !tooLarge(err) {
		return err
	}
	s.Log.Warn("inbox card update refused as too large (413); updating with a short card")
	if err = s.Send.UpdateAtRef(ctx, ref, posted, lang, shortCard(v)); tooLarge(err) {
		return nil
	}
	return err
}
