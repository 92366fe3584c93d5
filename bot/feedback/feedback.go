// Package feedback carries out AMK's feedback loop (issue 13): a user's
// "Did this help?" answer and a question the user chose to share are sealed
// and stored by day with no identity (dialogs/redisstore/feedback.go); AMK's
// admins see the counts, those under 5 suppressed, as a card in Teams and
// in the admin API.
//
// The write happens after the turn's commit, as its own command: it is
// never part of the transaction that writes the user's keys, and it holds
// nothing of the user (not the keyed hash either).
package feedback

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/apierr"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// Service stores and summarises feedback.
type Service struct {
	Store *redisstore.Store
	Keys  *seal.Keyring
	Now   func() time.Time
	Log   *slog.Logger // nil: slog.Default()
}

// vote and question are the sealed entries.
type vote struct {
	Doc     string `json:"d"`
	Helpful bool   `json:"h"`
}

type question struct {
	Text string `json:"t"`
	Lang string `json:"l"`
}

func aad(kind, day string) []byte { return []byte("fb:" + kind + ":" + day) }

// Add seals v and adds it to the day of now.
func (s *Service) add(ctx context.Context, kind string, now time.Time, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode feedback: %w", err)
	}
	return s.Store.AddFeedback(ctx, kind, now, s.Keys.Seal(b, aad(kind, redisstore.FeedbackDay(now))))
}

// Effect stores votes and shared questions after the turn's commit, and
// answers an admin's FeedbackReport with the summary card.
func (s *Service) Effect(ctx context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
	now := tc.Now
	switch o := o.(type) {
	case dialogs.FeedbackVote:
		v := vote{Doc: o.Doc, Helpful: o.Helpful}
		return effect.Prepared{After: func(ctx context.Context) error { return s.add(ctx, redisstore.FeedbackVote, now, v) }}, true, nil
	case dialogs.FeedbackShare:
		q := question{Text: o.Text, Lang: string(o.Lang)}
		return effect.Prepared{After: func(ctx context.Context) error { return s.add(ctx, redisstore.FeedbackQuestion, now, q) }}, true, nil
	case dialogs.FeedbackReport:
		sum, err := s.Summary(ctx, now)
		if err != nil {
			return effect.Prepared{}, true, err
		}
		return effect.Prepared{Outputs: []dialogs.Output{dialogs.Reply{Card: dialogs.FeedbackCard(sum)}}}, true, nil
	}
	return effect.Prepared{}, false, nil
}

// Summary reads the feedback kept at now: votes per document and the
// shared questions, newest day first, with counts under dialogs.MinShown
// suppressed and the questions listed only when at least that many were
// shared. Entries that do not open (a retired key) are skipped.
func (s *Service) Summary(ctx context.Context, now time.Time) (dialogs.FeedbackSummary, error) {
	var sum dialogs.FeedbackSummary
	votes, err := s.Store.FeedbackDays(ctx, redisstore.FeedbackVote, now)
	if err != nil {
		return sum, err
	}
	counts := map[string]*dialogs.FeedbackCount{}
	for day, entries := range votes {
		for _, e := range entries {
			var v vote
			if !s.open(e, redisstore.FeedbackVote, day, &v) || v.Doc == "" {
				continue
			}
			c := counts[v.Doc]
			if c == nil {
				c = &dialogs.FeedbackCount{Doc: v.Doc}
				counts[v.Doc] = c
			}
			if v.Helpful {
				c.Yes++
			} else {
				c.No++
			}
		}
	}
	for _, c := range counts {
		c.YesShow, c.NoShow = dialogs.Suppress(c.Yes), dialogs.Suppress(c.No)
		sum.Votes = append(sum.Votes, *c)
	}
	sort.Slice(sum.Votes, func(i, j int) bool { return sum.Votes[i].Doc < sum.Votes[j].Doc })

	qs, err := s.Store.FeedbackDays(ctx, redisstore.FeedbackQuestion, now)
	if err != nil {
		return sum, err
	}
	days := make([]string, 0, len(qs))
	for d := range qs {
		days = append(days, d)
	}
	slices.Sort(days)
	slices.Reverse(days)
	var list []dialogs.SharedQuestion
	for _, day := range days {
		var texts []dialogs.SharedQuestion
		for _, e := range qs[day] {
			var q question
			if s.open(e, redisstore.FeedbackQuestion, day, &q) && q.Text != "" {
				texts = append(texts, dialogs.SharedQuestion{Day: day, Lang: q.Lang, Text: q.Text})
			}
		}
		// Within a day, alphabetical: the order of arrival is not kept.
		sort.Slice(texts, func(i, j int) bool { return texts[i].Text < texts[j].Text })
		list = append(list, texts...)
	}
	sum.QuestionCount = dialogs.Suppress(len(list))
	if len(list) >= dialogs.MinShown {
		sum.Questions = list
	}
	return sum, nil
}

func (s *Service) open(sealed []byte, kind, day string, v any) bool {
	plain, err := s.Keys.Open(sealed, aad(kind, day))
	return err == nil && json.Unmarshal(plain, v) == nil
}

// Routes mounts GET /api/admin/feedback (the summary as JSON) behind the
// admin API's authentication (bot/admin.Guard).
func (s *Service) Routes(auth admin.Checker) func(r *gin.Engine) {
	return func(r *gin.Engine) {
		r.GET("/api/admin/feedback", admin.Guard(auth), func(c *gin.Context) {
			sum, err := s.Summary(c.Request.Context(), s.Now())
			if err != nil {
				apierr.Fail(c, s.Log, "feedback summary", err)
				return
			}
			c.JSON(http.StatusOK, sum)
		})
	}
}
