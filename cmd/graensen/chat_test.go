package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kk/graensen/dialogs"
)

// The terminal chat's own controls speak the chosen language, and a
// receipt code entered in the chat gets an answer (issue 13).
func TestChatSpeaksTheChosenLanguageAndAnswersReceipts(t *testing.T) {
	code := "23456-789AB-CDEFG-HJKMN"
	// Danish: the receipt card, its button, the code typed, then English.
	// "kvittering" shows the launcher; its second button opens "Min kvittering", whose first button asks for the code.
	in := strings.NewReader("kvittering\n2\n1\n" + code + "\nenglish\nkvittering\n2\n1\n" + code + "\n")
	var out bytes.Buffer
	if err := chat(context.Background(), nil, in, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"Grænsen – terminal-chat. Skriv et tal",
		"Terminal-chatten gemmer intet",
		"The terminal chat stores nothing",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("chat output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "Type a number to press a button") {
		t.Errorf("the Danish chat greets in English:\n%s", s)
	}
}

func TestChatReceiptOfACaseFiledInTheSession(t *testing.T) {
	var out bytes.Buffer
	// White box: a case filed earlier in the session, then its code checked.
	term := newTerminal("da-DK", strings.NewReader(""), &out)
	code, _ := dialogs.ParseReceipt("23456-789AB-CDEFG-HJKMN")
	term.cases[code] = dialogs.CaseView{ID: "ABCDEFGH", Filed: "2026-12-01", Status: dialogs.StatusNew}
	out.Reset()
	// The code is entered in the "My receipt" window (a dialog submit).
	term.turn(dialogs.Input{Kind: dialogs.KindInvoke, Dialog: true, Values: map[string]string{dialogs.KeyAction: dialogs.VerbReceiptCheck, "code": code}})
	if s := out.String(); !strings.Contains(s, "2026-12-01") {
		t.Fatalf("the receipt check shows no case:\n%s", s)
	}
}
