// Package profile seals and opens a user's stored profile (role, language,
// guide progress, reminders). The profile is sealed like the rest of the
// state (issue 12, G), bound to its user's key. Profiles written before it
// was sealed are plain JSON: they are read once more and rewritten sealed
// by the user's next turn (migration on read).
package profile

import (
	"encoding/json"
	"fmt"

	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
)

func aad(user string) []byte { return []byte("profile:" + user) }

// Seal encodes and seals a user's profile for storage.
func Seal(keys *seal.Keyring, user string, p dialogs.Profile) ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode profile: %w", err)
	}
	return keys.Seal(b, aad(user)), nil
}

// Open opens a stored profile. legacy is true for an unsealed profile of
// an older version (to be rewritten sealed). A profile that neither opens
// nor decodes is a fresh one, with an error saying so (for the caller's
// log: the user goes on as new).
func Open(keys *seal.Keyring, user string, raw []byte) (p dialogs.Profile, legacy bool, err error) {
	if len(raw) == 0 {
		return p, false, nil
	}
	if raw[0] == '{' { // a sealed value starts with its key id, never a brace
		if err := json.Unmarshal(raw, &p); err != nil {
			return dialogs.Profile{}, false, fmt.Errorf("profile unreadable: %w", err)
		}
		return p, true, nil
	}
	plain, err := keys.Open(raw, aad(user))
	if err == nil {
		err = json.Unmarshal(plain, &p)
	}
	if err != nil {
		return dialogs.Profile{}, false, fmt.Errorf("profile unreadable: %w", err)
	}
	return p, false, nil
}
