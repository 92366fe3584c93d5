package bot

import (
	"encoding/json"

	"github.com/kk/graensen/dialogs"
)

// CardSize is the size in bytes of a card as the bot sends it (the
// rendered attachment's JSON), to keep cards within Teams' message size.
func (b *Bot) CardSize(lang dialogs.Lang, c dialogs.Card) int {
	j, err := json.Marshal(b.cfg.Renderer.Attachment(lang, c))
	if err != nil {
		return 0
	}
	return len(j)
}
