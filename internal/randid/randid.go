// Package randid is the one source of random bytes and ids of the bot
// (turn tokens, request ids, campaign and outbox entry ids, receipt codes
// through dialogs' injected Rand, test key prefixes). It reads
// crypto/rand, which since Go 1.24 never returns an error (it crashes the
// program instead), so callers have no error to drop.
package randid

import (
	"crypto/rand"
	"encoding/hex"
)

// Bytes returns n random bytes (the signature of dialogs.Input.Rand).
func Bytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails: see the package comment
	return b
}

// Hex is n random bytes in hexadecimal (2n characters).
func Hex(n int) string { return hex.EncodeToString(Bytes(n)) }
