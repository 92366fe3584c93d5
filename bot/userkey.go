package bot

import (
	"context"
	"fmt"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/activity"
)

// userKey is the keyed hash of the user of a turn (activity.UserKeyID).
// A user whose keys were written before the Entra object id was folded to
// lower case (Teams sent it otherwise) keeps their stored keys: while
// nothing is kept under the folded id and something under the id as sent,
// the turn goes on under the old one. Teams sends object ids in lower
// case, so the lookup runs for no ordinary turn.
func (b *Bot) userKey(ctx context.Context, a *schema.Activity) (string, error) {
	user := activity.UserKey(b.cfg.Hasher, activity.UserKeyID(a))
	legacy := activity.LegacyUserKeyID(a)
	if legacy == "" {
		return user, nil
	}
	if ok, err := b.cfg.Store.Exists(ctx, b.cfg.Store.Key("user", user)); err != nil || ok {
		return user, err
	}
	old := activity.UserKey(b.cfg.Hasher, legacy)
	ok, err := b.cfg.Store.Exists(ctx, b.cfg.Store.Key("user", old))
	if err != nil {
		return "", fmt.Errorf("user key: %w", err)
	}
	if ok {
		return old, nil
	}
	return user, nil
}
