package campaign

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/dialogs"
)

// Recall and correct (issue 15, point 6): a run of its own (a campaign
// with Op recall or correct and Of the original) goes through the same
// queue, limits, counts, progress and CSV as a send, to exactly the
// recipients the original reached. Instead of posting, its worker deletes
// (DELETE {serviceUrl}/v3/conversations/{id}/activities/{activityId}) or
// replaces in place (PUT …) the message it sent, whose id the original's
// worker kept sealed in campaign:<id>:x (activity ids carry a time).

// deliver carries out one recipient's message: post it, or, for a recall
// or correction, delete or update the one sent before. code is recorded
// with a success: "replaced" when a recall could not delete the message
// (the chat's Bot Connector answered 501 Not Implemented or 405, as the
// Microsoft 365 Agents Playground does) and replaced it in place with a
// short "recalled" note instead, so its text is gone either way.
func (s *Service) deliver(ctx context.Context, it item, d *def, t target, att schema.Attachment) (code string, err error) {
	if d.spec.Op == "" {
		actID, err := s.cfg.Conn.Send(ctx, t.ref.ServiceURL, t.ref.ConversationID, activityTo(t, att))
		if err == nil && actID != "" {
			sealed := s.cfg.Keys.Seal([]byte(actID), []byte("act:"+it.campaign+":"+it.member))
			if err := s.db.StoreActivity(context.WithoutCancel(ctx), it.campaign, it.member, sealed); err != nil {
				s.log.Warn("campaign: message id not kept (no recall for this recipient)", "err", err)
			}
		}
		return "", err
	}
	sealed, err := s.db.Activity(ctx, d.spec.Of, it.member)
	if err != nil {
		return "", err
	}
	actID, err := s.cfg.Keys.Open(sealed, []byte("act:"+d.spec.Of+":"+it.member))
	if sealed == nil || err != nil {
		return "", errNoActivity
	}
	if d.spec.Op == dialogs.CampaignRecall {
		err := s.cfg.Conn.Delete(ctx, t.ref.ServiceURL, t.ref.ConversationID, string(actID))
		var se *connector.StatusError
		if !errors.As(err, &se) || (se.StatusCode != http.StatusNotImplemented && se.StatusCode != http.StatusMethodNotAllowed) {
			return "", err
		}
		att = d.withdrawn[t.lang]
		code = "replaced"
	}
	act := activityTo(t, att)
	act.ID = string(actID)
	return code, s.cfg.Conn.Update(ctx, t.ref.ServiceURL, t.ref.ConversationID, string(actID), act)
}

// errNoActivity: the original's message id is not known for a recipient.
var errNoActivity = errors.New("campaign: message id unknown")

// Recall creates the run that deletes campaign id's messages in every
// recipient's chat; Correct the run that replaces them with texts (titles
// and texts in both languages, optional link). author is the keyed hash
// of who asked.
func (s *Service) Recall(ctx context.Context, id, newID, author string) (dialogs.CampaignSpec, error) {
	return s.rework(ctx, id, newID, author, dialogs.CampaignRecall, nil)
}

// Correct: see Recall.
func (s *Service) Correct(ctx context.Context, id, newID, author string, texts dialogs.CampaignSpec) (dialogs.CampaignSpec, error) {
	return s.rework(ctx, id, newID, author, dialogs.CampaignCorrect, &texts)
}

func (s *Service) rework(ctx context.Context, id, newID, author, op string, texts *dialogs.CampaignSpec) (dialogs.CampaignSpec, error) {
	spec, err := s.Spec(ctx, id)
	if err != nil {
		return spec, err
	}
	if spec.Op != "" || spec.Repeat != "" {
		return spec, errNotASentRun
	}
	if ok, err := s.db.Guard(ctx, id, "rw-"+op, newID, 10*time.Second); err != nil { // a double click; expires by itself
		return spec, fmt.Errorf("campaign: %s: %w", op, err)
	} else if !ok {
		return spec, errFollowUpJustCreated
	}
	acts, err := s.db.Activities(ctx, id)
	if err != nil {
		return spec, fmt.Errorf("campaign: %s: %w", op, err)
	}
	keys := make([]string, 0, len(acts))
	for m := range acts {
		keys = append(keys, m)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return spec, errNothingSent
	}
	f := spec
	f.ID, f.Op, f.Of, f.FollowUpOf, f.At, f.Repeat = newID, op, id, "", time.Time{}, ""
	f.Audience = dialogs.CampaignAudience{Kind: dialogs.AudienceKeys, Keys: keys}
	if author != "" {
		f.Author = author
	}
	if texts != nil {
		f.TitleDA, f.TextDA, f.TitleEN, f.TextEN, f.Link = texts.TitleDA, texts.TextDA, texts.TitleEN, texts.TextEN, texts.Link
	}
	ops, err := s.CreateOps(f, s.cfg.Now())
	if err != nil {
		return f, err
	}
	// The sealed Entra ids travel along for the CSV.
	_, aads, _, err := s.db.Recipients(ctx, id)
	if err != nil {
		return f, fmt.Errorf("campaign: %s: %w", op, err)
	}
	var pairs []any
	for _, k := range keys {
		if v := aads[k]; v != "" && !strings.HasPrefix(k, "t:") {
			pairs = append(pairs, k, v)
		}
	}
	for i := 0; i < len(pairs); i += 1000 {
		if err := s.db.CopyAads(ctx, newID, pairs[i:min(i+1000, len(pairs))]); err != nil {
			return f, fmt.Errorf("campaign: %s ids: %w", op, err)
		}
	}
	return f, s.exec(ctx, ops)
}
