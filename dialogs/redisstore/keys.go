package redisstore

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Class is what a key belongs to, for the separation rule: no write
// (transaction, script or pipeline) touches both a person's keys and a
// case's keys, so neither the AOF nor the replication stream, which keep
// each MULTI/EXEC block (and each script, as its effects) together, links
// a report to the person who filed it.
type Class int

// The key classes.
const (
	// Neutral keys belong to neither: the unit's inbox reference, teams,
	// campaigns, the scheduler's shared sets, global rate counters.
	Neutral Class = iota
	// Person keys belong to one user: conv:, user:, the users set, their
	// rate-limit counters, their reminders.
	Person
	// Case keys belong to a report: report:, receipt:, rsess:, once:, the
	// release outbox and the inbox queue, the case's scheduled items.
	Case
)

func (c Class) String() string {
	switch c {
	case Person:
		return "person"
	case Case:
		return "case"
	}
	return "neutral"
}

// ErrLinked is returned for a write that would touch both a person's key
// and a case's key.
var ErrLinked = errors.New("a write may not touch both a person's and a case's keys")

// ErrExpiry is returned for an expiry on a person's key that is not at a
// whole hour (or is relative to now).
var ErrExpiry = errors.New("expiries of a person's keys must fall on whole hours (PEXPIREAT)")

// Classify says whose key (a full key, with the store's prefix) is. For
// the scheduler's shared sorted sets the member decides (args of ZADD or
// ZREM): a case's deadline is a case's, a reminder a person's.
func (s *Store) Classify(key string, args ...any) Class {
	k, ok := strings.CutPrefix(key, s.prefix)
	if !ok {
		return Neutral
	}
	return classify(k, args)
}

// classify works on a key without the prefix.
func classify(k string, args []any) Class {
	head, rest, _ := strings.Cut(k, ":")
	switch head {
	case "conv", "user", "users":
		return Person
	case "report", "receipt", "rsess", "once", "outbox", "inboxq":
		return Case
	case "ob":
		if strings.HasPrefix(rest, "e:") {
			return Person // a queued message to one person's chat (sealed); ob:q, ob:l hold random ids
		}
		return Neutral
	case "rate":
		kind, tail, _ := strings.Cut(rest, ":")
		if (kind == "file" || kind == "rcpt" || kind == "chk") && !strings.HasPrefix(tail, "all:") {
			return Person // a user's own counter (a keyed hash of user and window)
		}
		if kind == "hold" || kind == "c" {
			return Person // a campaign recipient's send pacing
		}
		return Neutral
	case "sched":
		if id, ok := strings.CutPrefix(rest, "i:"); ok {
			return itemClass(id)
		}
		c := Neutral
		for _, a := range args {
			if m, ok := a.(string); ok {
				c = join(c, itemClass(m))
			}
		}
		return c
	}
	return Neutral
}

// itemClass classifies a scheduled item by its id.
func itemClass(id string) Class {
	switch {
	case strings.HasPrefix(id, "case-"):
		return Case
	case strings.HasPrefix(id, "reminder:"):
		return Person
	}
	return Neutral
}

func join(a, b Class) Class {
	if a == Neutral {
		return b
	}
	if b != Neutral && a != b {
		return -1 // mixed
	}
	return a
}

// CheckOps enforces the separation and expiry rules on one write: the
// classes of all keys may not include both Person and Case (also counting
// extra, the classes the write touches besides the ops), and a person's
// key gets no relative expiry and no PEXPIREAT off the hour.
func (s *Store) CheckOps(ops []Op, extra ...Class) error {
	c := Neutral
	for _, e := range extra {
		c = join(c, e)
	}
	for _, op := range ops {
		oc := s.Classify(op.Key, op.Args...)
		if oc == Person {
			if err := checkExpiry(op); err != nil {
				return err
			}
		}
		if c = join(c, oc); c < 0 {
			return fmt.Errorf("%w (%s %s)", ErrLinked, op.Cmd, s.redact(op.Key))
		}
	}
	return nil
}

func checkExpiry(op Op) error {
	switch op.Cmd {
	case "PEXPIRE", "EXPIRE", "EXPIREAT":
		return ErrExpiry
	case "PEXPIREAT":
		if len(op.Args) == 0 {
			return ErrExpiry
		}
		ms, ok := op.Args[0].(int64)
		if !ok || ms%time.Hour.Milliseconds() != 0 {
			return ErrExpiry
		}
	}
	return nil
}

// redact names a key's kind for an error without its hash.
func (s *Store) redact(key string) string {
	k := strings.TrimPrefix(key, s.prefix)
	head, _, _ := strings.Cut(k, ":")
	return head + ":…"
}

// CeilHour is the first whole hour at or after t: the expiry of a person's
// key idle for ttl from now is CeilHour(now + ttl), so an expiry (in the
// AOF, an RDB snapshot or PTTL) tells the last activity only to the hour.
func CeilHour(t time.Time) time.Time {
	h := t.Truncate(time.Hour)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}
