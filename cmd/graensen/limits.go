package main

import (
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
		name, what string
		v          *int
		max        int
	}{
		{"GRAENSEN_CASE_MESSAGES_PER_DAY", "messages", &c.ReportLimits.MsgsPerCaseDay, 1000},
		{"GRAENSEN_CASE_MESSAGE_MAX", "characters", &c.ReportLimits.MsgRunes, dialogs.MaxReportText},
		{"GRAENSEN_RECEIPT_CHECKS_PER_HOUR", "checks", &c.ReportLimits.ChecksPerHour, 1000},
		{"GRAENSEN_ARGON2_SLOTS", "slots", &c.ReportLimits.ArgonSlots, 64},
	} {
		n, err := whole(getenv, f.name, 1, f.max, 0, f.what)
		if err != nil {
			return err
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
