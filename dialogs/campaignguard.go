package dialogs

import (
	"strings"
	"time"
)

// Guardrails and recall/correct in Teams (issue 15, points 5 and 6): a
// second admin approves a large campaign; the author or any admin recalls
// or corrects a sent campaign from its progress card, each after a
// confirmation step. Decisions only; bot/campaign carries them out.

// Verbs of the guardrails and of recall/correct.
const (
	VerbCampaignApprove    = "campaign-approve"         // arg id: approve a campaign waiting for a second admin
	VerbCampaignReject     = "campaign-reject"          // arg id: reject (or withdraw) it
	VerbCampaignRecallAsk  = "campaign-recall-ask"      // arg id: "Recall" on the progress card → confirmation
	VerbCampaignRecall     = "campaign-recall"          // arg id: confirmed recall
	VerbCampaignCorrectAsk = "campaign-correct-ask"     // arg id: "Correct" on the progress card → form
	VerbCampaignCorrectPre = "campaign-correct-preview" // arg id + form values: the correction's confirmation
	VerbCampaignCorrect    = "campaign-correct"         // arg id + texts: confirmed correction
)

func (e *Engine) registerCampaignGuard() {
	admin := func(verb string, fn func(t *Turn, id string)) {
		e.view(verb, func(t *Turn, id string) {
			if !t.IsAdmin() {
				t.Reply(notAdminCard())
				return
			}
			if validCampaignID(id) {
				fn(t, id)
			}
		})
	}
	admin(VerbCampaignApprove, func(t *Turn, id string) { t.Emit(CampaignApprove{ID: id}) })
	admin(VerbCampaignReject, func(t *Turn, id string) { t.Emit(CampaignReject{ID: id}) })
	admin(VerbCampaignRecallAsk, func(t *Turn, id string) {
		t.Reply(Card{Name: "campaign-recall-confirm", Blocks: []Block{
			{Kind: BlockHeading, Msg: M("campaign.recall.title")},
			{Kind: BlockText, Msg: M("campaign.recall.text")},
			{Kind: BlockRaw, Text: id},
		}, Actions: []Action{
			{Label: M("campaign.recall.yes"), Data: Submit(VerbCampaignRecall, id), Primary: true},
			{Label: M("campaign.recall.no"), Data: Submit(VerbCampaignStatus, id)},
		}})
	})
	admin(VerbCampaignRecall, func(t *Turn, id string) { t.Emit(CampaignRecallRun{ID: id, NewID: NewCampaignID(t.In.Rand)}) })
	admin(VerbCampaignCorrectAsk, func(t *Turn, id string) { t.Emit(CampaignCorrectForm{ID: id}) })
	admin(VerbCampaignCorrectPre, func(t *Turn, id string) {
		texts := correctionFrom(t.In.Values)
		if p := texts.checkTexts(); p != "" {
			t.Reply(CorrectionForm(id, texts, p))
			return
		}
		data := Submit(VerbCampaignCorrect, id)
		for k, v := range correctionValues(texts) {
			data[k] = v
		}
		da, en := CampaignMessage(texts, Danish), CampaignMessage(texts, English)
		blocks := []Block{{Kind: BlockHeading, Msg: M("campaign.correct.confirm")}, {Kind: BlockRaw, Text: id}, {Kind: BlockSubtle, Msg: M("campaign.pre.da")}}
		blocks = append(blocks, da.Blocks[:2]...)
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("campaign.pre.en")})
		blocks = append(blocks, en.Blocks[:2]...)
		t.Reply(Card{Name: "campaign-correct-confirm", Blocks: blocks, Actions: []Action{
			{Label: M("campaign.correct.yes"), Data: data, Primary: true},
			{Label: M("campaign.recall.no"), Data: Submit(VerbCampaignStatus, id)},
		}})
	})
	admin(VerbCampaignCorrect, func(t *Turn, id string) {
		texts := correctionFrom(t.In.Values)
		if p := texts.checkTexts(); p != "" {
			t.Reply(CorrectionForm(id, texts, p))
			return
		}
		t.Emit(CampaignCorrectRun{ID: id, NewID: NewCampaignID(t.In.Rand), Texts: texts})
	})
}

func correctionFrom(v map[string]string) CampaignSpec {
	return CampaignSpec{TitleDA: strings.TrimSpace(v[cfTitleDA]), TextDA: strings.TrimSpace(v[cfTextDA]),
		TitleEN: strings.TrimSpace(v[cfTitleEN]), TextEN: strings.TrimSpace(v[cfTextEN]), Link: strings.TrimSpace(v[cfLink])}
}

func correctionValues(s CampaignSpec) map[string]string {
	return map[string]string{cfTitleDA: s.TitleDA, cfTextDA: s.TextDA, cfTitleEN: s.TitleEN, cfTextEN: s.TextEN, cfLink: s.Link}
}

// checkTexts checks only a correction's texts and link.
func (s CampaignSpec) checkTexts() string {
	t := s
	t.Audience = CampaignAudience{Kind: AudienceAll}
	t.At, t.Repeat, t.Op = time.Time{}, "", ""
	return t.Check(time.Time{})
}

// CorrectionForm is the form to replace a sent campaign's texts, filled
// with texts (the current ones at first).
func CorrectionForm(id string, texts CampaignSpec, problem string) Card {
	blocks := []Block{{Kind: BlockHeading, Msg: M("campaign.correct.title")}, {Kind: BlockRaw, Text: id}}
	if problem != "" {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M(problem)})
	}
	blocks = append(blocks,
		Block{Kind: BlockText, Msg: M("campaign.correct.text")},
		Block{Kind: BlockInput, ID: cfTitleDA, Msg: M("campaign.form.titleDa"), Text: texts.TitleDA, MaxLen: maxCampaignTitle, Required: true},
		Block{Kind: BlockInput, ID: cfTextDA, Msg: M("campaign.form.textDa"), Text: texts.TextDA, MaxLen: maxCampaignText, Multiline: true, Required: true},
		Block{Kind: BlockInput, ID: cfTitleEN, Msg: M("campaign.form.titleEn"), Text: texts.TitleEN, MaxLen: maxCampaignTitle, Required: true},
		Block{Kind: BlockInput, ID: cfTextEN, Msg: M("campaign.form.textEn"), Text: texts.TextEN, MaxLen: maxCampaignText, Multiline: true, Required: true},
		Block{Kind: BlockInput, ID: cfLink, Msg: M("campaign.form.link"), Text: texts.Link, MaxLen: 2000},
	)
	return Card{Name: "campaign-correct", Blocks: blocks, Actions: []Action{
		{Label: M("campaign.correct.preview"), Data: Submit(VerbCampaignCorrectPre, id), Primary: true},
		{Label: M("campaign.recall.no"), Data: Submit(VerbCampaignStatus, id)},
	}}
}
