package cards

import (
	"regexp"
	"strings"
)

// Text one person typed for another (the reporter's story and messages,
// the unit's answers, internal notes) is shown inert: no markdown, no
// live link, no mention (issue 12 E).
//
// Adaptive Cards render a subset of markdown in TextBlock (and in FactSet
// titles and values), links included, and Teams clients turn a bare URL
// in such text into a link. TextRun, the inline of a RichTextBlock, does
// not support markdown at all. So typed text goes into one TextRun, and
// what still looks like an address is defanged the way security notices
// write it ("https[:]//example[.]com"), so no client's link detection can
// make it clickable. A mention needs an <at> tag and an entity in the
// activity; the card carries no entity, and "<at" is broken with a word
// joiner so it is never read as a tag.

// plainBlock renders typed text as a RichTextBlock with one TextRun.
func plainBlock(text string) map[string]any {
	return map[string]any{
		"type":    "RichTextBlock",
		"inlines": []any{map[string]any{"type": "TextRun", "text": Inert(text)}},
	}
}

var (
	// schemeRE finds a URI scheme followed by "//" or an opaque scheme
	// that clients link (mailto:, tel:, …).
	schemeRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]{1,15}):(//)`)
	opaqueRE = regexp.MustCompile(`(?i)\b(mailto|tel|callto|sip|sips|msteams|ms-[a-z-]+|data|javascript|file):`)
	// hostRE finds host names: labels joined by dots, ending in a label
	// of two or more letters (a top-level domain), e.g. evil.example.com.
	hostRE = regexp.MustCompile(`(?i)\b(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62})\.)+\p{L}{2,63}\b`)
	atRE   = regexp.MustCompile(`(?i)<(/?)(at)\b`)
)

// Inert makes typed text safe to show: nothing in it can become a link or
// a mention, whatever the client's renderer does. It changes only what
// looks like an address or a mention tag.
func Inert(s string) string {
	s = schemeRE.ReplaceAllString(s, "$1[:]$2")
	s = opaqueRE.ReplaceAllString(s, "$1[:]")
	s = hostRE.ReplaceAllStringFunc(s, func(h string) string { return strings.ReplaceAll(h, ".", "[.]") })
	s = atRE.ReplaceAllString(s, "<$1\u2060$2")
	return s
}
