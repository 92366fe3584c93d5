package dialogs

import "strings"

// ObjectID is the one form of an Entra object id the bot compares and
// keys by: object ids are GUIDs, case-insensitive, so the id is trimmed
// and folded to lower case. Everything that takes an object id from
// outside (a turn's aadObjectId, a pasted list, a group id, an admin
// token's oid, Graph's member ids, configuration) goes through it.
func ObjectID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }
