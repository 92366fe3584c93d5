package campaign

import (
	"context"
	"errors"
	"fmt"

	"github.com/kk/graensen/bot/graph"
	"github.com/kk/graensen/dialogs"
)

// Directory reads Entra ID groups (bot/graph.Client).
type Directory interface {
	// GroupMembers calls fn with pages of the object ids of a group's
	// users, nested groups' users included.
	GroupMembers(ctx context.Context, groupID string, fn func(ids []string) error) error
	// Group reads a group (its display name); graph.ErrNotFound when none.
	Group(ctx context.Context, id string) (graph.Group, error)
}

// ErrNoDirectory means a group audience was asked for but Microsoft Graph
// is not configured.
var ErrNoDirectory = errors.New("campaign: no Microsoft Graph access for group audiences")

// ErrUnknownGroup is a group Graph does not know (or the app may not read).
var ErrUnknownGroup = errors.New("campaign: unknown group")

// CheckGroup verifies that a group audience can be expanded: Graph is
// configured and knows the group. It returns the group's display name.
func (s *Service) CheckGroup(ctx context.Context, id string) (string, error) {
	if s.cfg.Directory == nil {
		return "", ErrNoDirectory
	}
	g, err := s.cfg.Directory.Group(ctx, id)
	var se *graph.StatusError
	if errors.Is(err, graph.ErrNotFound) || (errors.As(err, &se) && (se.StatusCode == 403 || se.StatusCode == 400)) {
		return "", ErrUnknownGroup
	}
	return g.DisplayName, err
}

// expandExtra expands the audience kinds beyond the built-in ones; ok is
// false for an unknown kind.
func (s *Service) expandExtra(ctx context.Context, id string, a dialogs.CampaignAudience, add func(recipient) error) (ok bool, err error) {
	switch a.Kind {
	case dialogs.AudienceGroup:
		if s.cfg.Directory == nil {
			return true, fmt.Errorf("campaign %s: %w: %w", id, ErrNoDirectory, errPermanent)
		}
		// Graph's throttling is honoured inside the client; a failure
		// past its bound fails the start, which the scheduler retries
		// (enqueueing is idempotent: nobody is queued twice).
		err := s.cfg.Directory.GroupMembers(ctx, a.Group, func(ids []string) error {
			return s.expandAads(ctx, ids, add)
		})
		if errors.Is(err, graph.ErrNotFound) {
			return true, fmt.Errorf("campaign %s: group: %w: %w", id, err, errPermanent)
		}
		if err != nil {
			return true, fmt.Errorf("campaign %s: group members: %w", id, err)
		}
		return true, nil
	}
	return false, nil
}

// checkAudience returns the message id of a problem with an audience that
// needs Graph ("" when fine or not a group).
func (s *Service) checkAudience(ctx context.Context, a dialogs.CampaignAudience) string {
	if a.Kind != dialogs.AudienceGroup {
		return ""
	}
	_, err := s.CheckGroup(ctx, a.Group)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNoDirectory):
		return "campaign.group.off"
	case errors.Is(err, ErrUnknownGroup):
		return "campaign.group.unknown"
	}
	s.log.Warn("campaign: group not checked", "err", err)
	return "campaign.group.unknown"
}
