package campaign

import "context"

// Writes whose failure the worker survives (the entry is delivered again,
// the install outcome recorded on the next attempt): each failure is
// logged once, without ids or text.

// ack acknowledges a stream entry; one left unacknowledged runs again
// (and is recognised as final then).
func (s *Service) ack(ctx context.Context, campaign, entry string) {
	if err := s.db.Ack(ctx, campaign, entry); err != nil {
		s.log.Warn("campaign: entry not acknowledged; it may run again", "err", err)
	}
}

// recordInstall stores how a proactive installation went, for the export.
func (s *Service) recordInstall(ctx context.Context, it item, kind, detail string) {
	if err := s.db.RecordInstall(ctx, it.campaign, it.member, kind, detail); err != nil {
		s.log.Warn("campaign: install outcome not recorded", "err", err)
	}
}

// conflictError is an ErrInvalid whose fixed message the admin API shows
// (409 conflict): what the campaign's state does not allow.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return ErrInvalid.Error() + ": " + e.msg }
func (e *conflictError) Unwrap() error { return ErrInvalid }

// The conflicts of follow-ups, recalls and corrections (docs/campaigns.md).
var (
	errFollowUpJustCreated = &conflictError{"a follow-up was just created"}
	errAllAcknowledged     = &conflictError{"everyone has acknowledged"}
	errNotASentRun         = &conflictError{"only a sent campaign run can be recalled or corrected"}
	errNothingSent         = &conflictError{"nothing was sent"}
)
