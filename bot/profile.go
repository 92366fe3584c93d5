package bot

import (
	"encoding/json"
	"fmt"

	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
)

// The profile (role, language, guide progress, reminders) is sealed like
// the rest of the state (issue 12, G), bound to its user's key. Profiles
// written before it was sealed are plain JSON: they are read once more and
// rewritten sealed by the user's next turn (migration on read).

func profileAAD(user string) []byte { return []byte("profile:" + user) }

// SealProfile encodes and seals a user's profile for storage.
func SealProfile(keys *seal.Keyring, user string, p dialogs.Profile) ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode profile: %w", err)
	}
	return keys.Seal(b, profileAAD(user)), nil
}

// OpenProfile opens a stored profile. legacy is true for an unsealed
// profile of an older version (to be rewritten sealed). A profile that
// neither opens nor decodes is a fresh one.
func OpenProfile(keys *seal.Keyring, user string, raw []byte) (p dialogs.Profile, legacy bool) {
	if len(raw) == 0 {
		return p, false
	}
	if raw[0] == '{' { // a sealed value starts with its key id, never a brace
		if json.Unmarshal(raw, &p) != nil {
			return dialogs.Profile{}, false
		}
		return p, true
	}
	plain, err := keys.Open(raw, profileAAD(user))
	if err != nil || json.Unmarshal(plain, &p) != nil {
		return dialogs.Profile{}, false
	}
	return p, false
}

// OpenProfile opens a stored profile with the bot's keys (see the function).
func (b *Bot) OpenProfile(user string, raw []byte) dialogs.Profile {
	p, _ := OpenProfile(b.cfg.Keys, user, raw)
	return p
}
