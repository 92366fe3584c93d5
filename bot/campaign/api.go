package campaign

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/apierr"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/randid"
)

// The admin API (JSON), for automation:
//
//	POST /api/admin/campaigns                     create: a dialogs.CampaignSpec without id → 201 {id}
//	GET  /api/admin/campaigns                     the latest campaigns with their counts
//	GET  /api/admin/campaigns/:id                 one campaign's counts
//	GET  /api/admin/campaigns/:id/recipients.csv  per-recipient status (Entra object ids)
//	POST /api/admin/campaigns/:id/remind          follow-up to those who have not acknowledged → 201 {id}
//	POST /api/admin/campaigns/:id/cancel          stop it (and a repeating campaign's future runs)
//	POST /api/admin/campaigns/:id/recall          delete its message in every recipient's chat → 201 {id}
//	POST /api/admin/campaigns/:id/approve         a second admin approves a campaign over the approval limit → 200 {id, state, at}
//	POST /api/admin/campaigns/:id/correct         replace its text in place ({titleDa, textDa, titleEn, textEn, link}) → 201 {id}
//
// Every request needs "Authorization: Bearer <token>" (bot/admin.Guard).

// Routes returns a function that mounts the admin API on a router.
func (s *Service) Routes(auth admin.Checker) func(r *gin.Engine) {
	return func(r *gin.Engine) {
		g := r.Group("/api/admin/campaigns", admin.Guard(auth), s.author)
		g.POST("", s.apiCreate)
		g.GET("", s.apiList)
		g.GET("/:id", s.apiGet)
		g.GET("/:id/recipients.csv", s.apiCSV)
		g.POST("/:id/remind", s.apiRemind)
		g.POST("/:id/cancel", s.apiCancel)
		g.POST("/:id/recall", s.apiRecall)
		g.POST("/:id/correct", s.apiCorrect)
		g.POST("/:id/approve", s.apiApprove)
	}
}

// author keeps the admin who calls (admin.Guard) as the campaign's author.
func (s *Service) author(c *gin.Context) {
	if oid := c.GetString(admin.OIDKey); oid != "" {
		c.Set("author", s.UserKey(oid))
		c.Set("authorName", oid) // shown in the preview and progress (sealed in the spec)
	}
	c.Next()
}

func newID() string {
	return dialogs.NewCampaignID(randid.Bytes)
}

func (s *Service) apiCreate(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 4<<20))
	if err != nil {
		apierr.Write(c, http.StatusRequestEntityTooLarge, apierr.TooLarge, "the body is over 4 MiB")
		return
	}
	var spec dialogs.CampaignSpec
	if err := json.Unmarshal(body, &spec); err != nil {
		apierr.Write(c, http.StatusBadRequest, apierr.BadRequest, "malformed campaign")
		return
	}
	spec.ID, spec.FollowUpOf = newID(), ""
	spec.Author, spec.AuthorName, spec.Approver, spec.ApproverName = c.GetString("author"), c.GetString("authorName"), "", ""
	spec.Op, spec.Of = "", ""
	if spec.Audience.Kind == dialogs.AudienceKeys {
		apierr.Write(c, http.StatusBadRequest, apierr.BadRequest, "audience kind keys is internal")
		return
	}
	if spec.Audience.Kind == dialogs.AudienceList {
		ids := spec.Audience.AadIDs
		for i := range ids {
			if got, bad := dialogs.ParseAadIDs(ids[i]); bad != "" || len(got) != 1 {
				apierr.Write(c, http.StatusBadRequest, apierr.BadRequest, "campaign.err.list")
				return
			}
		}
		all, _ := dialogs.ParseAadIDs(joinLines(ids))
		spec.Audience.AadIDs = all
	}
	if p := spec.Check(s.cfg.Now()); p != "" {
		apierr.Write(c, http.StatusBadRequest, apierr.BadRequest, p)
		return
	}
	if p := s.checkAudience(c.Request.Context(), spec.Audience); p != "" {
		apierr.Write(c, http.StatusBadRequest, apierr.BadRequest, p)
		return
	}
	g, err := s.CreateGuarded(c.Request.Context(), spec)
	switch {
	case g.Problem == ProblemScope:
		apierr.Write(c, http.StatusForbidden, apierr.Forbidden, g.Problem)
		return
	case g.Problem != "":
		apierr.Write(c, http.StatusBadRequest, apierr.BadRequest, g.Problem)
		return
	case s.apiErr(c, "create", err):
		return
	}
	at := spec.At
	if at.IsZero() {
		at = s.cfg.Now()
	}
	if g.NeedsApproval {
		// Stored, not scheduled: another admin approves it
		// (POST …/:id/approve).
		c.JSON(http.StatusAccepted, gin.H{"id": spec.ID, "at": at.UTC().Format(time.RFC3339), "state": StateApproval,
			"recipients": g.Recipients, "approvalOver": g.Over})
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": spec.ID, "at": at.UTC().Format(time.RFC3339), "state": StateScheduled, "recipients": g.Recipients})
}

func joinLines(xs []string) string {
	out := ""
	for _, x := range xs {
		out += x + "\n"
	}
	return out
}

func (s *Service) apiList(c *gin.Context) {
	list, err := s.List(c.Request.Context(), 50)
	if s.apiErr(c, "list", err) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"campaigns": list})
}

func (s *Service) apiGet(c *gin.Context) {
	p, err := s.Progress(c.Request.Context(), c.Param("id"))
	if s.apiErr(c, "get", err) {
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Service) apiCSV(c *gin.Context) {
	id := c.Param("id")
	if !dialogs.ValidCampaignID(id) {
		apierr.Write(c, http.StatusNotFound, apierr.NotFound, "no such campaign")
		return
	}
	if _, err := s.Spec(c.Request.Context(), id); s.apiErr(c, "csv", err) {
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+id+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := s.WriteCSV(c.Request.Context(), id, c.Writer); err != nil {
		s.log.Warn("campaign: csv export failed", "err", err)
	}
}

func (s *Service) apiRemind(c *gin.Context) {
	f, err := s.FollowUp(c.Request.Context(), c.Param("id"), newID(), c.GetString("author"))
	s.apiRework(c, "remind", f, err)
}

// apiErr answers an error of the service (see bot/apierr): not found,
// a conflict with the campaign's state, or (logged once) unavailable.
func (s *Service) apiErr(c *gin.Context, what string, err error) bool {
	var ce *conflictError
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrNotFound):
		apierr.Write(c, http.StatusNotFound, apierr.NotFound, "no such campaign")
	case errors.As(err, &ce):
		apierr.Write(c, http.StatusConflict, apierr.Conflict, ce.msg)
	case errors.Is(err, ErrInvalid):
		apierr.Write(c, http.StatusConflict, apierr.Conflict, "the campaign does not allow this now")
	default:
		apierr.Fail(c, s.log, "campaign "+what, err)
	}
	return true
}

func (s *Service) apiCancel(c *gin.Context) {
	if s.apiErr(c, "cancel", s.Cancel(c.Request.Context(), c.Param("id"))) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "state": StateCancelled})
}

func (s *Service) apiRecall(c *gin.Context) {
	f, err := s.Recall(c.Request.Context(), c.Param("id"), newID(), c.GetString("author"))
	s.apiRework(c, "recall", f, err)
}

func (s *Service) apiCorrect(c *gin.Context) {
	var texts dialogs.CampaignSpec
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)).Decode(&texts); err != nil {
		apierr.Write(c, http.StatusBadRequest, apierr.BadRequest, "malformed correction")
		return
	}
	f, err := s.Correct(c.Request.Context(), c.Param("id"), newID(), c.GetString("author"), texts)
	s.apiRework(c, "correct", f, err)
}

// apiRework answers the creation of a derived campaign (follow-up,
// recall, correction): 201 with its id and recipient count.
func (s *Service) apiRework(c *gin.Context, what string, f dialogs.CampaignSpec, err error) {
	if s.apiErr(c, what, err) {
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": f.ID, "recipients": len(f.Audience.Keys)})
}

// apiApprove: another admin approves a campaign waiting for approval
// (created over the approval limit); it is scheduled. The author, and the
// local static token (which names nobody), cannot approve.
func (s *Service) apiApprove(c *gin.Context) {
	id := c.Param("id")
	approver := c.GetString("author")
	if approver == "" {
		apierr.Write(c, http.StatusForbidden, apierr.Forbidden, ProblemAnonymous)
		return
	}
	spec, err := s.Approve(c.Request.Context(), id, approver, c.GetString("authorName"))
	switch {
	case errors.Is(err, ErrSelfApproval):
		apierr.Write(c, http.StatusForbidden, apierr.Forbidden, ProblemSelfApproval)
		return
	case errors.Is(err, ErrNotPending):
		apierr.Write(c, http.StatusConflict, apierr.Conflict, ProblemNotPending)
		return
	case s.apiErr(c, "approve", err):
		return
	}
	s.tellAuthor(c.Request.Context(), spec, "campaign.approve.approved")
	body := gin.H{"id": id, "state": StateScheduled, "author": spec.AuthorName, "approver": spec.ApproverName}
	if p, err := s.Progress(c.Request.Context(), id); err == nil {
		body["at"] = p.At.Format(time.RFC3339)
	} else {
		// Approved all the same; GET /api/admin/campaigns/:id tells when it starts.
		s.log.Warn("campaign approved, its start not read back", "err", err)
	}
	c.JSON(http.StatusOK, body)
}
