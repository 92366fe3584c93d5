package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// The statistics keyspace (issue 16). Counters are kept apart from the
// cases, so deleting a case after retention leaves the year's totals; they
// hold no case id, no person's key and no time finer than the month:
//
//	<p>stats:r:<YYYY-MM>  hash of report counters for the month the reports
//	                      were filed: "filed", "<question>=<answer>" (one per
//	                      answer the form asks, "none" when unanswered),
//	                      "status=<status>" (the cases' current status),
//	                      "ack7" (acknowledged within 7 days), "fb3"
//	                      (answered within 3 months)
//	<p>stats:u:<YYYY-MM>  hash of use counters for the month: "<metric>|<key>"
//	                      (topics opened, playbooks started and finished,
//	                      reminders set, campaigns sent, acknowledged and
//	                      muted, "did this help" answers)
//	<p>report:<id>:stats  a case key, deleted with the case: which of the
//	                      case's counts have been made ("f" filed, "s" the
//	                      status counted, "a" acknowledgement, "b" answer),
//	                      so each is counted exactly once
//
// Rules: a counter is never written in the same transaction, script or
// pipeline as a person's keys (user:, conv:, rate:) — report counters are
// written when the inbox worker releases a case to the unit, and with the
// case's own marker; use counters are summed in memory and flushed on a
// timer, many turns in one write. The threshold for showing a count lives
// with the reader (package dialogs/stats), not here: the counters are exact.

// statsCaseScript counts one event of a case exactly once.
// KEYS[1] marker, KEYS[2] month hash. ARGV[1] mode:
//
//	"filed": if the marker has no "f": set f and s=new; add 1 to ARGV[2..]
//	"once":  ARGV[2] flag, ARGV[3] field: if the flag is new, add 1 to field
//	"status": ARGV[2] status: move the case's status count (only for a
//	          case counted as filed)
var statsCaseScript = redis.NewScript(`
local mode = ARGV[1]
if mode == 'filed' then
  if redis.call('HSETNX', KEYS[1], 'f', '1') == 0 then return 0 end
  redis.call('HSET', KEYS[1], 's', 'new')
  for i = 2, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
  redis.call('HINCRBY', KEYS[2], 'status=new', 1)
  return 1
elseif mode == 'once' then
  if redis.call('HEXISTS', KEYS[1], 'f') == 0 then return 0 end
  if redis.call('HSETNX', KEYS[1], ARGV[2], '1') == 0 then return 0 end
  if ARGV[3] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[3], 1) end
  return 1
elseif mode == 'status' then
  local old = redis.call('HGET', KEYS[1], 's')
  if not old or old == ARGV[2] then return 0 end
  redis.call('HSET', KEYS[1], 's', ARGV[2])
  redis.call('HINCRBY', KEYS[2], 'status=' .. old, -1)
  redis.call('HINCRBY', KEYS[2], 'status=' .. ARGV[2], 1)
  return 1
end
return redis.error_reply('unknown mode')
`)

// StatsMarkerKey is the case key that records which of a case's counts
// were made (deleted with the case).
func (s *Store) StatsMarkerKey(caseID string) string { return s.Key("report", caseID, "stats") }

func (s *Store) statsKey(kind, month string) string { return s.Key("stats", kind, month) }

func validMonth(m string) bool {
	if len(m) != 7 || m[4] != '-' {
		return false
	}
	y, err1 := strconv.Atoi(m[:4])
	mo, err2 := strconv.Atoi(m[5:])
	return err1 == nil && err2 == nil && y > 2000 && mo >= 1 && mo <= 12
}

// CountReport counts a released case in the month it was filed (YYYY-MM):
// "filed", each of fields ("<question>=<answer>") and status=new, once per
// case. It reports whether this call counted it.
func (s *Store) CountReport(ctx context.Context, caseID, month string, fields []string) (bool, error) {
	if !validMonth(month) {
		return false, fmt.Errorf("count report: bad month %q", month)
	}
	args := []any{"filed", "filed"}
	for _, f := range fields {
		args = append(args, f)
	}
	n, err := statsCaseScript.Run(ctx, s.rdb, []string{s.StatsMarkerKey(caseID), s.statsKey("r", month)}, args...).Int()
	if err != nil {
		return false, fmt.Errorf("count report: %w", err)
	}
	return n == 1, nil
}

// CountCaseOnce adds 1 to field of the filing month the first time flag is
// counted for a case ("a" acknowledged, "b" answered); field may be empty
// (the event happened, too late to count as within the deadline).
func (s *Store) CountCaseOnce(ctx context.Context, caseID, month, flag, field string) error {
	if !validMonth(month) {
		return fmt.Errorf("count case: bad month %q", month)
	}
	err := statsCaseScript.Run(ctx, s.rdb, []string{s.StatsMarkerKey(caseID), s.statsKey("r", month)}, "once", flag, field).Err()
	if err != nil {
		return fmt.Errorf("count case: %w", err)
	}
	return nil
}

// CountCaseStatus moves a counted case's status count to status.
func (s *Store) CountCaseStatus(ctx context.Context, caseID, month, status string) error {
	if !validMonth(month) || status == "" || strings.ContainsAny(status, "=|") {
		return fmt.Errorf("count status: bad month or status")
	}
	err := statsCaseScript.Run(ctx, s.rdb, []string{s.StatsMarkerKey(caseID), s.statsKey("r", month)}, "status", status).Err()
	if err != nil {
		return fmt.Errorf("count status: %w", err)
	}
	return nil
}

// AddUsage adds use counts ("<metric>|<key>" → n) to months, in one
// transaction that touches nothing but use counters.
func (s *Store) AddUsage(ctx context.Context, counts map[string]map[string]int64) error {
	pipe := s.rdb.TxPipeline()
	n := 0
	for month, fields := range counts {
		if !validMonth(month) {
			continue
		}
		for f, v := range fields {
			if v != 0 {
				pipe.HIncrBy(ctx, s.statsKey("u", month), f, v)
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("add usage: %w", err)
	}
	return nil
}

// StatsMonths reads the counters of kind "r" (reports) or "u" (use) for
// the months given: month → field → count (months without counts absent).
func (s *Store) StatsMonths(ctx context.Context, kind string, months []string) (map[string]map[string]int64, error) {
	if kind != "r" && kind != "u" {
		return nil, errors.New("stats: unknown kind")
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(months))
	for i, m := range months {
		cmds[i] = pipe.HGetAll(ctx, s.statsKey(kind, m))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	out := map[string]map[string]int64{}
	for i, m := range months {
		vals := cmds[i].Val()
		if len(vals) == 0 {
			continue
		}
		row := make(map[string]int64, len(vals))
		for f, v := range vals {
			n, _ := strconv.ParseInt(v, 10, 64)
			row[f] = n
		}
		out[m] = row
	}
	return out, nil
}

// CaseIDs lists the ids of the stored cases (the streams report:<id>), for
// the handlers' list of cases past a deadline.
func (s *Store) CaseIDs(ctx context.Context) ([]string, error) {
	prefix := s.Key("report") + ":"
	var ids []string
	iter := s.rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		rest := strings.TrimPrefix(iter.Val(), prefix)
		if !strings.Contains(rest, ":") {
			ids = append(ids, rest)
		}
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return ids, nil
}
