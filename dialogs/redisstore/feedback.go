package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// AMK's feedback loop (issue 13): "Did this help?" answers and questions
// users chose to share, kept apart from everything else.
//
//	<p>fb:<kind>:<YYYY-MM-DD>  set of sealed entries of that day; kind is
//	                           "v" (a vote) or "q" (a shared question)
//
// An entry holds no identity (the bot seals only the document and the
// answer, or the question and its language) and no time finer than the
// day, which is in the key. A set, not a list, so not even the order of
// a day's entries is kept. Each day's set expires FeedbackRetention after
// the day began. The write is its own command, never part of a turn's
// commit: nothing ties it to the user's keys.

// Feedback kinds.
const (
	FeedbackVote     = "v"
	FeedbackQuestion = "q"
)

// FeedbackRetention is how long feedback is kept.
const FeedbackRetention = 90 * 24 * time.Hour

// FeedbackDay is the day an entry is filed under (UTC).
func FeedbackDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func (s *Store) feedbackKey(kind, day string) string { return s.Key("fb", kind, day) }

// AddFeedback adds a sealed entry of kind to the set of now's day, which
// expires FeedbackRetention after the day began.
func (s *Store) AddFeedback(ctx context.Context, kind string, now time.Time, sealed []byte) error {
	if kind != FeedbackVote && kind != FeedbackQuestion {
		return fmt.Errorf("feedback: unknown kind %q", kind)
	}
	day := FeedbackDay(now)
	start, _ := time.Parse(time.DateOnly, day)
	key := s.feedbackKey(kind, day)
	pipe := s.rdb.TxPipeline()
	pipe.SAdd(ctx, key, sealed)
	pipe.ExpireAt(ctx, key, start.Add(FeedbackRetention))
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("add feedback: %w", err)
	}
	return nil
}

// FeedbackDays returns the sealed entries of kind for each of the days
// still kept (the FeedbackRetention before now), by day.
func (s *Store) FeedbackDays(ctx context.Context, kind string, now time.Time) (map[string][][]byte, error) {
	pipe := s.rdb.Pipeline()
	days := int(FeedbackRetention / (24 * time.Hour))
	type q struct {
		day string
		cmd interface{ Val() []string }
	}
	var qs []q
	for i := 0; i <= days; i++ {
		day := FeedbackDay(now.Add(-time.Duration(i) * 24 * time.Hour))
		qs = append(qs, q{day, pipe.SMembers(ctx, s.feedbackKey(kind, day))})
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	out := map[string][][]byte{}
	for _, e := range qs {
		for _, m := range e.cmd.Val() {
			out[e.day] = append(out[e.day], []byte(m))
		}
	}
	return out, nil
}
