package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/surveys"
)

// createQuestions adds one question (a JSON object), many (a JSON array)
// or a CSV file (Content-Type text/csv) to the bank.
func (s *Server) createQuestions(c *gin.Context) {
	var (
		qs   []surveys.NewQuestion
		bulk bool
	)
	if strings.HasPrefix(c.ContentType(), "text/csv") {
		data, err := readText(c, "body")
		if err != nil {
			s.fail(c, err)
			return
		}
		if qs, err = surveys.ParseQuestionsCSV(bytes.NewReader(data)); err != nil {
			s.fail(c, err)
			return
		}
		bulk = true
	} else {
		var raw json.RawMessage
		if err := bindJSON(c, &raw); err != nil {
			s.fail(c, err)
			return
		}
		raw = bytes.TrimSpace(raw)
		bulk = len(raw) > 0 && raw[0] == '['
		var err error
		if bulk {
			err = json.Unmarshal(raw, &qs)
		} else {
			var q surveys.NewQuestion
			err = json.Unmarshal(raw, &q)
			qs = []surveys.NewQuestion{q}
		}
		if err != nil {
			s.fail(c, apperr.Field("body", "须为题目对象或题目数组"))
			return
		}
	}
	out, err := s.Surveys.CreateQuestions(c.Request.Context(), actor(c), qs, bulk)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !bulk {
		c.JSON(http.StatusCreated, out[0])
		return
	}
	c.JSON(http.StatusCreated, gin.H{"items": out, "created": len(out)})
}

func (s *Server) createSurvey(c *gin.Context) {
	var req surveys.NewSurvey
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	sv, err := s.Surveys.Create(c.Request.Context(), actor(c), req, s.Residents.Regions())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, sv)
}

func (s *Server) publishSurvey(c *gin.Context) {
	sv, err := s.Surveys.Publish(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}

func (s *Server) surveyStats(c *gin.Context) {
	d := ""
	if v := c.Query("date"); v != "" {
		var err error
		if d, err = s.Surveys.ParseDay(v); err != nil {
			s.fail(c, err)
			return
		}
	}
	st, err := s.Surveys.Stats(c.Request.Context(), actor(c), pathID(c, "id"), d)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// exportResponses streams a survey's responses as CSV (default) or XLSX.
func (s *Server) exportResponses(c *gin.Context) {
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "xlsx" {
		s.fail(c, apperr.Field("format", "须为 csv 或 xlsx"))
		return
	}
	d := ""
	if v := c.Query("date"); v != "" {
		var err error
		if d, err = s.Surveys.ParseDay(v); err != nil {
			s.fail(c, err)
			return
		}
	}
	exp, err := s.Surveys.PrepareExport(c.Request.Context(), actor(c), pathID(c, "id"), d)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "export "+format)
	c.Header("Content-Disposition", `attachment; filename="`+exp.Filename(format)+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		err = exp.WriteCSV(c.Request.Context(), c.Writer)
	} else {
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		err = exp.WriteXLSX(c.Request.Context(), c.Writer)
	}
	if err != nil {
		// The status line is gone; all we can do is log and cut the body short.
		s.Log.ErrorContext(c.Request.Context(), "export failed", "request_id", requestID(c), "err", err)
		c.Abort()
	}
}

func (s *Server) missingDeclarations(c *gin.Context) {
	d, err := s.Surveys.ParseDay(c.Query("date"))
	if err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Surveys.Missing(c.Request.Context(), actor(c), pathID(c, "id"), d, after, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(items, next))
}

// remindMissing sends today's reminder to every targeted resident who has
// not responded (?date=, if given, must be today); once a day per survey,
// a second call answers the first.
func (s *Server) remindMissing(c *gin.Context) {
	r, err := s.Surveys.Remind(c.Request.Context(), actor(c), pathID(c, "id"), c.Query("date"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if r.Repeated {
		auditDetail(c, "already reminded "+strconv.Itoa(r.Reminded)+" residents for "+r.Day+"; nothing sent")
	} else {
		auditDetail(c, "reminded "+strconv.Itoa(r.Reminded)+" residents for "+r.Day)
	}
	c.JSON(http.StatusOK, gin.H{"reminded": r.Reminded, "date": r.Day})
}

func (s *Server) listSurveys(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Surveys.ListForResident(c.Request.Context(), residentID(c), after, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(items, next))
}

func (s *Server) getSurvey(c *gin.Context) {
	sv, err := s.Surveys.FindForResident(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}

func (s *Server) startAttempt(c *gin.Context) {
	a, err := s.Surveys.Start(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, a)
}

// answersRequest is the body of a quiz submit or a response: question ID →
// chosen option strings (or the one text or number answer).
type answersRequest struct {
	Answers map[string][]string `json:"answers" binding:"required"`
}

func (s *Server) submitAttempt(c *gin.Context) {
	var req answersRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.Surveys.Submit(c.Request.Context(), residentID(c), pathID(c, "id"), req.Answers)
	if err != nil && res != nil {
		// Scored and stored; the resident sees the result, operators the failed award.
		s.Log.ErrorContext(c.Request.Context(), "quiz points award failed", "request_id", requestID(c), "err", err)
	} else if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// getAttempt reads the caller's own quiz attempt: its questions, and once
// submitted the result the submit gave.
func (s *Server) getAttempt(c *gin.Context) {
	a, err := s.Surveys.Attempt(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

func (s *Server) submitResponse(c *gin.Context) {
	var req answersRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	rec, err := s.Surveys.Respond(c.Request.Context(), residentID(c), pathID(c, "id"), req.Answers)
	if err != nil && rec != nil {
		s.Log.ErrorContext(c.Request.Context(), "response points award failed", "request_id", requestID(c), "err", err)
	} else if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, rec)
}

// listQuestions lists the question bank the caller may use.
func (s *Server) listQuestions(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := surveys.QuestionFilter{Tag: c.Query("tag"), Q: c.Query("q"), Type: c.Query("kind"), Before: before, Limit: limit}
	if v := c.Query("include_retired"); v != "" {
		b, err := parseBool("include_retired", v)
		if err != nil {
			s.fail(c, err)
			return
		}
		f.IncludeRetired = *b
	}
	items, next, err := s.Surveys.FindQuestions(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(items, next))
}

func (s *Server) updateQuestion(c *gin.Context) {
	var req surveys.NewQuestion
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	q, err := s.Surveys.UpdateQuestion(c.Request.Context(), actor(c), pathID(c, "id"), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, q)
}

func (s *Server) retireQuestion(c *gin.Context) {
	q, err := s.Surveys.RetireQuestion(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, q)
}

func (s *Server) listAdminSurveys(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := surveys.Filter{Kind: c.Query("kind"), Status: c.Query("status"), Q: c.Query("q"), Before: before, Limit: limit}
	items, next, err := s.Surveys.Find(c.Request.Context(), actor(c), s.Residents.Regions(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(items, next))
}

func (s *Server) getAdminSurvey(c *gin.Context) {
	sv, err := s.Surveys.FindByID(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}

func (s *Server) updateSurvey(c *gin.Context) {
	var req struct {
		Kind           *string                `json:"kind"`
		Title          *string                `json:"title"`
		Description    *string                `json:"description"`
		Audience       *notify.Audience       `json:"audience"`
		OpensAt        *time.Time             `json:"opens_at"`
		ClosesAt       json.RawMessage        `json:"closes_at"`
		Questions      *[]surveys.QuestionRef `json:"questions"`
		Draw           json.RawMessage        `json:"draw"`
		TimeLimitS     *int                   `json:"time_limit_s"`
		AttemptsPerDay *int                   `json:"attempts_per_day"`
		PassScore      *int                   `json:"pass_score"`
		PointsRule     *string                `json:"points_rule"`
		Recurrence     *string                `json:"recurrence"`
		RetentionDays  *int                   `json:"retention_days"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p := surveys.Patch{Kind: req.Kind, Title: req.Title, Description: req.Description, Audience: req.Audience,
		OpensAt: req.OpensAt, Questions: req.Questions, TimeLimitS: req.TimeLimitS, AttemptsPerDay: req.AttemptsPerDay,
		PassScore: req.PassScore, PointsRule: req.PointsRule, Recurrence: req.Recurrence, RetentionDays: req.RetentionDays}
	var err error
	if p.SetClosesAt, p.ClosesAt, err = nullableTime("closes_at", req.ClosesAt); err != nil {
		s.fail(c, err)
		return
	}
	if len(req.Draw) > 0 {
		p.SetDraw = true
		if err := json.Unmarshal(req.Draw, &p.Draw); err != nil {
			s.fail(c, apperr.Field("draw", "须为对象 {tags, count} 或 null"))
			return
		}
	}
	sv, err := s.Surveys.Update(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}

func (s *Server) closeSurvey(c *gin.Context) {
	sv, err := s.Surveys.Close(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}
