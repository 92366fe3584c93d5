package campaign

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kk/graensen/dialogs"
)

// Row is one recipient's line in the export.
type Row struct {
	AadID        string // Entra object id, opened from its seal ("" if unknown; "channel" for a team channel)
	Status       Status
	Time         time.Time
	Code         string // the last error code, e.g. "429" or "403 ConversationBlockedByUser"
	Acknowledged bool
	// Install is the proactive-installation outcome: installed, already,
	// refused (with Graph's status and code), declined; "" when none.
	Install string
	member  string
}

// Rows reads every recipient of a campaign, opening the sealed Entra
// object ids (the only moment they are opened).
func (s *Service) Rows(ctx context.Context, id string) ([]Row, error) {
	if _, err := s.Spec(ctx, id); err != nil {
		return nil, err
	}
	statuses, aads, acked, err := s.db.Recipients(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("campaign: export: %w", err)
	}
	installs, err := s.db.Installs(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("campaign: export: %w", err)
	}
	rows := make([]Row, 0, len(statuses))
	for m, v := range statuses {
		parts := strings.SplitN(v, "|", 4)
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		st := Status(parts[0])
		ms, _ := strconv.ParseInt(parts[1], 10, 64)
		row := Row{Status: st, Code: parts[2], Acknowledged: acked[m], member: m, Install: strings.ReplaceAll(installs[m], "|", " ")}
		if st == inflight { // being sent right now: report what it was
			row.Status = Status(parts[3])
			ms = 0
		}
		if ms > 0 {
			row.Time = time.UnixMilli(ms).UTC()
		}
		switch {
		case strings.HasPrefix(m, "t:"):
			row.AadID = "channel"
		case aads[m] != "":
			if plain, err := s.cfg.Keys.Open([]byte(aads[m]), []byte("aad:"+m)); err == nil {
				row.AadID = string(plain)
			}
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].AadID != rows[j].AadID {
			return rows[i].AadID < rows[j].AadID
		}
		return rows[i].member < rows[j].member
	})
	return rows, nil
}

// WriteCSV writes the per-recipient status as CSV: aad_object_id, status,
// time (RFC 3339, UTC), last_error_code, acknowledged, install.
func (s *Service) WriteCSV(ctx context.Context, id string, w io.Writer) error {
	rows, err := s.Rows(ctx, id)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"aad_object_id", "status", "time", "last_error_code", "acknowledged", "install"})
	for _, r := range rows {
		t := ""
		if !r.Time.IsZero() {
			t = r.Time.Format(time.RFC3339)
		}
		_ = cw.Write([]string{r.AadID, string(r.Status), t, r.Code, strconv.FormatBool(r.Acknowledged), r.Install})
	}
	cw.Flush()
	return cw.Error()
}

// FollowUp creates a campaign, sent now, to exactly the recipients of id
// who were sent the message and have not acknowledged it. author is the
// keyed hash of who asked (may be empty).
func (s *Service) FollowUp(ctx context.Context, id, newID, author string) (dialogs.CampaignSpec, error) {
	spec, err := s.Spec(ctx, id)
	if err != nil {
		return spec, err
	}
	// A double click makes one follow-up, not two.
	if ok, err := s.db.Guard(ctx, id, "fu", newID, 10*time.Minute); err != nil {
		return spec, fmt.Errorf("campaign: follow-up: %w", err)
	} else if !ok {
		return spec, errFollowUpJustCreated
	}
	statuses, aads, acked, err := s.db.Recipients(ctx, id)
	if err != nil {
		return spec, fmt.Errorf("campaign: follow-up: %w", err)
	}
	var keys []string
	for m, v := range statuses {
		if strings.HasPrefix(v, string(Sent)+"|") && !acked[m] && !strings.HasPrefix(m, "t:") {
			keys = append(keys, m)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return spec, errAllAcknowledged
	}
	f := spec
	f.ID, f.FollowUpOf, f.At, f.Repeat, f.Ack = newID, id, time.Time{}, "", true
	f.Audience = dialogs.CampaignAudience{Kind: dialogs.AudienceKeys, Keys: keys}
	if author != "" {
		f.Author = author
	}
	ops, err := s.CreateOps(f, s.cfg.Now())
	if err != nil {
		return f, err
	}
	// The sealed ids travel along (bound to the user hash, not the campaign).
	for i := 0; i < len(keys); i += 500 {
		var args []any
		for _, k := range keys[i:min(i+500, len(keys))] {
			if v := aads[k]; v != "" {
				args = append(args, k, v)
			}
		}
		if err := s.db.CopyAads(ctx, newID, args); err != nil {
			return f, fmt.Errorf("campaign: follow-up ids: %w", err)
		}
	}
	return f, s.exec(ctx, ops)
}
