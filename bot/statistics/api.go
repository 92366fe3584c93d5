package statistics

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/apierr"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/stats"
)

// The admin API's statistics (same authentication as the campaign API:
// an Entra token of one of GRAENSEN_ADMINS, or the static token locally):
//
//	GET /api/admin/stats?year=2026&format=json   the year's statistics
//	GET /api/admin/stats?year=2026&format=csv    the same as CSV
//
// Both carry exactly the cells the card shows, suppressed the same way: a
// shown count is a number, a small one "< 5", a hidden one "•" (JSON: the
// number, or the string). The cases past a deadline are not in the API:
// their numbers are for the unit's handlers, in Teams.

// Routes mounts the statistics API behind the admin API's authentication
// (bot/admin.Guard).
func (s *Service) Routes(auth admin.Checker) func(r *gin.Engine) {
	return func(r *gin.Engine) {
		r.GET("/api/admin/stats", admin.Guard(auth), s.serve)
	}
}

func (s *Service) serve(c *gin.Context) {
	year := s.Now().In(dialogs.Copenhagen).Year()
	if q := c.Query("year"); q != "" {
		y, err := strconv.Atoi(q)
		if err != nil || y < 2020 || y > year {
			apierr.Write(c, http.StatusBadRequest, apierr.BadRequest, "year must be between 2020 and this year")
			return
		}
		year = y
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		apierr.Write(c, http.StatusBadRequest, apierr.BadRequest, "format must be json or csv")
		return
	}
	d, err := s.Load(c.Request.Context(), year)
	if err != nil {
		apierr.Fail(c, s.Log, "statistics", err)
		return
	}
	c.Header("Cache-Control", "no-store")
	if format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="graensen-statistik-`+strconv.Itoa(year)+`.csv"`)
		c.Status(http.StatusOK)
		if err := WriteCSV(c.Writer, d); err != nil {
			s.Log.Warn("statistics: csv export failed", "err", err)
		}
		return
	}
	c.JSON(http.StatusOK, JSON(d))
}

// cellValue is a cell as the API shows it.
func cellValue(c stats.Cell, min int) any {
	if c.Mark == stats.Shown {
		return c.N
	}
	return c.Text(min)
}

func shareValue(s stats.Share) any {
	switch {
	case s.Pending:
		return "pending"
	case s.Shown:
		return s.Pct
	case s.Empty:
		return "–"
	}
	return "•"
}

// JSONRow is one row of the JSON export.
type JSONRow struct {
	Question string         `json:"question"`
	Answer   string         `json:"answer,omitempty"`
	Withheld bool           `json:"withheld,omitempty"`
	YearOnly bool           `json:"yearOnly,omitempty"`
	Counts   map[string]any `json:"counts"`
}

// JSON is the API's JSON body.
func JSON(d Data) map[string]any {
	r := d.Reports
	row := func(x stats.Row, question, answer string) JSONRow {
		out := JSONRow{Question: question, Answer: answer, Withheld: x.Withheld, YearOnly: x.YearOnly, Counts: map[string]any{}}
		for p, c := range x.Cells {
			out.Counts[r.Periods[p]] = cellValue(c, r.Min)
		}
		return out
	}
	reports := []JSONRow{row(r.Filed, "filed", "")}
	for _, x := range r.Rows {
		reports = append(reports, row(x, x.Dim, x.Value))
	}
	var use []JSONRow
	for _, x := range d.Use.Rows {
		use = append(use, row(x, "use", x.Value))
	}
	ack, fb := map[string]any{}, map[string]any{}
	for p := range r.Periods {
		ack[r.Periods[p]], fb[r.Periods[p]] = shareValue(r.Ack7[p]), shareValue(r.Fb3[p])
	}
	return map[string]any{
		"year": r.Year, "min": r.Min, "periods": r.Periods,
		"legend": map[string]string{
			"< " + strconv.Itoa(r.Min): "a count from 1 to " + strconv.Itoa(r.Min-1),
			"•":                        "hidden so that a small count cannot be worked out",
			"pending":                  "the deadlines of the period have not all passed",
			"–":                        "no reports in the period",
		},
		"withheld":            r.Withheld,
		"reports":             reports,
		"acknowledgedIn7Days": ack,
		"answeredIn3Months":   fb,
		"use":                 use,
	}
}

// WriteCSV writes the statistics as CSV: section, question, answer, then
// one column per period.
func WriteCSV(w io.Writer, d Data) error {
	cw := csv.NewWriter(w)
	r := d.Reports
	head := append([]string{"section", "question", "answer"}, r.Periods...)
	if err := cw.Write(head); err != nil {
		return err
	}
	line := func(section, q, a string, cells []stats.Cell) {
		rec := []string{section, q, a}
		for _, c := range cells {
			rec = append(rec, c.Text(r.Min))
		}
		_ = cw.Write(rec)
	}
	line("reports", "filed", "", r.Filed.Cells)
	for _, x := range r.Rows {
		line("reports", x.Dim, x.Value, x.Cells)
	}
	for _, sh := range []struct {
		name string
		s    []stats.Share
	}{{"acknowledgedIn7Days", r.Ack7}, {"answeredIn3Months", r.Fb3}} {
		rec := []string{"deadlines", sh.name, "%"}
		for _, v := range sh.s {
			rec = append(rec, toString(shareValue(v)))
		}
		_ = cw.Write(rec)
	}
	for _, x := range d.Use.Rows {
		line("use", "use", x.Value, x.Cells)
	}
	cw.Flush()
	return cw.Error()
}

func toString(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	}
	return ""
}
