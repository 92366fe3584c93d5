// Package locales embeds Grænsen's message files: one go-i18n TOML file per
// area and language (core.da.toml, core.en.toml, qa.da.toml, ...). Danish
// is the source language; every message exists in English too, with the same
// placeholders (checked by locales_test.go).
package locales

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.toml
var files embed.FS

// Languages are the languages Grænsen speaks, Danish first.
var Languages = []language.Tag{language.Danish, language.English}

// NewBundle loads every embedded message file into a go-i18n bundle.
func NewBundle() (*i18n.Bundle, error) {
	b := i18n.NewBundle(language.Danish)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(files, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("list message files: %w", err)
	}
	for _, n := range names {
		if _, err := b.LoadMessageFileFS(files, n); err != nil {
			return nil, fmt.Errorf("load %s: %w", n, err)
		}
	}
	return b, nil
}

// MustBundle is NewBundle for program start and tests: embedded files that
// do not parse are a programmer error.
func MustBundle() *i18n.Bundle {
	b, err := NewBundle()
	if err != nil {
		panic(err)
	}
	return b
}

// Files exposes the embedded message files, for tests that compare languages.
func Files() fs.FS { return files }
