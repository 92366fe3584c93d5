// Package contenttest is the small content library tests run on (issue 14,
// point 4): copies of a few items of dialogs/content, with the ids and
// message ids of the real ones, so that AMK's edits to the real library
// (steps inserted, words and items added, moved or removed) do not move the
// tests. Tests that are about the real library itself (that it loads, that
// every item is reachable, how well it understands people's own words) load
// it with content.MustLoad and say so. Only tests import this package.
package contenttest

import (
	"embed"
	"io/fs"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/locales"
)

//go:embed small/*.toml locales/*.toml
var files embed.FS

var small = sync.OnceValue(func() *content.Library {
	sub, err := fs.Sub(files, "small")
	if err == nil {
		var lib *content.Library
		if lib, err = content.LoadFS(sub); err == nil {
			return lib
		}
	}
	panic("contenttest: the fixture library does not load: " + err.Error())
})

// Small returns the fixture library, loaded once and shared: a Library is
// read-only once loaded.
func Small() *content.Library { return small() }

var bundle = sync.OnceValue(func() *i18n.Bundle {
	b, err := locales.NewBundle()
	if err != nil {
		panic("contenttest: " + err.Error())
	}
	names, _ := fs.Glob(files, "locales/*.toml")
	for _, n := range names {
		if _, err := b.LoadMessageFileFS(files, n); err != nil {
			panic("contenttest: " + n + ": " + err.Error())
		}
	}
	return b
})

// Bundle returns the shipped messages with the fixture items' texts
// (topics, links, excuses, quiz cases, playbooks, situations) in the
// frozen copies of locales/ (contenttest/locales), so cards of the
// fixture render the same whatever AMK writes in the real texts. The
// product's own words (menus, buttons, forms) are the shipped ones: a
// change there is a change of the cards.
func Bundle() *i18n.Bundle { return bundle() }
