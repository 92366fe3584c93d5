package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/dialogs"
)

// reportLimits are the anonymous reporting limits one may configure (issue
// 12, F); zero keeps the service's default (bot/report/limits.go).
type reportLimits struct {
	MsgsPerCaseDay int // GRAENSEN_CASE_MESSAGES_PER_DAY (default 5)
	MsgRunes       int // GRAENSEN_CASE_MESSAGE_MAX, characters (default 2000, at most dialogs.MaxReportText)
	ChecksPerHour  int // GRAENSEN_RECEIPT_CHECKS_PER_HOUR (default 20)
	ArgonSlots     int // GRAENSEN_ARGON2_SLOTS: receipt hashes at a time (default 2)
}

func loadReportLimits(c *Config, getenv func(string) string) error {
	for _, f := range []struct {
		name string
		v    *int
		max  int
	}{
		{"GRAENSEN_CASE_MESSAGES_PER_DAY", &c.ReportLimits.MsgsPerCaseDay, 1000},
		{"GRAENSEN_CASE_MESSAGE_MAX", &c.ReportLimits.MsgRunes, dialogs.MaxReportText},
		{"GRAENSEN_RECEIPT_CHECKS_PER_HOUR", &c.ReportLimits.ChecksPerHour, 1000},
		{"GRAENSEN_ARGON2_SLOTS", &c.ReportLimits.ArgonSlots, 64},
	} {
		v := strings.TrimSpace(getenv(f.name))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > f.max {
			return fmt.Errorf("%s must be a whole number from 1 to %d: %q", f.name, f.max, v)
		}
		*f.v = n
	}
	return nil
}

// apply sets the configured limits on the report service; an unset one
// (zero) keeps the service's default.
func (l reportLimits) apply(s *report.Service) {
	s.SetLimits(report.Limits{MsgsPerCaseDay: l.MsgsPerCaseDay, MsgRunes: l.MsgRunes, ChecksPerHour: l.ChecksPerHour, ArgonSlots: l.ArgonSlots})
}
