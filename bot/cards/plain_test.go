package cards_test

import (
	"strings"
	"testing"

	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/locales"
)

func TestInertDefangsAddressesAndMentions(t *testing.T) {
	for in, want := range map[string]string{
		"se https://evil.example/login nu":       "se https[:]//evil[.]example/login nu",
		"[klik](http://a.b.dk/x?y=1)":            "[klik](http[:]//a[.]b[.]dk/x?y=1)",
		"www.kk.dk eller kk.dk/chikane":          "www[.]kk[.]dk eller kk[.]dk/chikane",
		"skriv til hr@kk.dk":                     "skriv til hr@kk[.]dk",
		"mailto:hr@kk.dk":                        "mailto[:]hr@kk[.]dk",
		"<at>Hanne</at> hej":                     "<\u2060at>Hanne</\u2060at> hej",
		"**fed** og _kursiv_":                    "**fed** og _kursiv_",
		"fx. kl. 14.30, 1.5 gange, e.g. i alt":   "fx. kl. 14.30, 1.5 gange, e.g. i alt",
		"Det skete på kontoret. Han sagde noget": "Det skete på kontoret. Han sagde noget",
	} {
		if got := cards.Inert(in); got != want {
			t.Errorf("Inert(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlainBlockIsOneTextRun(t *testing.T) {
	r := cards.New(locales.MustBundle())
	c := r.Card(dialogs.Danish, dialogs.Card{Name: "x", Blocks: []dialogs.Block{{Kind: dialogs.BlockPlain, Text: "**x** https://evil.example"}}})
	if err := cardschema.Validate(c); err != nil {
		t.Fatal(err)
	}
	el := c["body"].([]any)[0].(map[string]any)
	runs, _ := el["inlines"].([]any)
	if el["type"] != "RichTextBlock" || len(runs) != 1 {
		t.Fatalf("plain text rendered as %v", el)
	}
	run := runs[0].(map[string]any)
	if run["type"] != "TextRun" || run["text"] != "**x** https[:]//evil[.]example" || strings.Contains(run["text"].(string), "://") {
		t.Fatalf("run %v", run)
	}
}
