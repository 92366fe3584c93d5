// Package content holds the structure of what Grænsen says: the Q&A topics,
// the manager playbooks, the excuses, the reflection and the dilemma quiz.
//
// The structure lives in TOML files embedded in the binary (qa.toml,
// guide.toml), so AMK can edit topics, keywords and steps without touching Go
// code. The words people read live in locales/ as go-i18n messages whose ids
// follow from the ids here (see the MsgID helpers); a test checks that every
// id named by the structure exists in both Danish and English.
package content

import (
	"embed"
)

//go:embed *.toml
var files embed.FS

// Lang is a language code used in word lists: "da" or "en".
type Lang = string

// Words are search words and synonyms per language, used by the free-text
// matcher. They are written as people type them; the matcher stems and folds.
type Words map[Lang][]string

// Link is a URL from the source, kept exactly as the source gives it.
// Its label is the message "link.<id>".
type Link struct {
	ID  string `toml:"id"`
	URL string `toml:"url"`
}

// Library is all structural content, loaded once at start.
type Library struct {
	Topics    []Topic    `toml:"topic"`
	Links     []Link     `toml:"link"`
	Excuses   []Excuse   `toml:"excuse"`
	Quiz      []QuizCase `toml:"quiz"`
	Reflect   Reflect    `toml:"reflect"`
	Playbooks []Playbook `toml:"playbook"`
	// Situations are described situations (situations.toml).
	Situations []Situation `toml:"situation"`
	// Commands are the typed global commands (commands.toml).
	Commands []Command `toml:"command"`
}

// Load parses the embedded content files and checks their cross references.
func Load() (*Library, error) {
	return LoadFS(files)
}

// MustLoad is Load for program start and tests: embedded content that does
// not parse is a programmer error.
func MustLoad() *Library {
	lib, err := Load()
	if err != nil {
		panic(err)
	}
	return lib
}

func (l *Library) merge(p *Library) {
	l.Topics = append(l.Topics, p.Topics...)
	l.Links = append(l.Links, p.Links...)
	l.Excuses = append(l.Excuses, p.Excuses...)
	l.Quiz = append(l.Quiz, p.Quiz...)
	l.Playbooks = append(l.Playbooks, p.Playbooks...)
	l.Situations = append(l.Situations, p.Situations...)
	l.Commands = append(l.Commands, p.Commands...)
	if len(p.Reflect.Kinds) > 0 {
		l.Reflect = p.Reflect
	}
}
