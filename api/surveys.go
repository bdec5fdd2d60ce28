package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/surveys"
)

// questionBatch is what a bulk import of questions created.
type surveyQuestionBatch struct {
	Items   []surveys.Question `json:"items" doc:"the questions created, in order"`
	Created int                `json:"created"`
}

var createQuestionsOp = op{
	Tag:     "admin-surveys",
	Summary: "Add questions to the bank",
	Description: "Staff with surveys.write. One question object → 201 the question; a JSON array (bulk import, all or none, at most " +
		"500) → 201 {items, created}; or a CSV file (Content-Type text/csv, or multipart/form-data with the file in `file`) " +
		"with a header row type,stem,options,answer,explanation,article,tags where options, answer and tags separate values " +
		"with |, likewise a bulk import. Bad fields are named `field` for one question and `[i].field` for bulk.",
	Body: oneOf{surveys.NewQuestion{}, []surveys.NewQuestion{},
		csvUpload{Description: "a CSV file of questions (a bulk import)"}},
	Replies: []reply{{Status: http.StatusCreated, Body: oneOf{surveys.Question{}, surveyQuestionBatch{}},
		Description: "Created: the question for one object; SurveyQuestionBatch for an array or CSV"}},
}

// createQuestions adds one question (a JSON object), many (a JSON array)
// or a CSV file (text/csv, or multipart with the file in "file") to the
// bank.
func (s *Server) createQuestions(c *gin.Context) {
	var (
		qs   []surveys.NewQuestion
		bulk bool
	)
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt == "text/csv" || mt == "multipart/form-data" {
		field := "body"
		if mt == "multipart/form-data" {
			field = "file"
		}
		body, done, err := csvBody(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		defer done()
		data, err := io.ReadAll(body)
		if isTooLarge(err) {
			err = errTooLarge
		}
		if err == nil {
			err = utf8Text(field, data)
		}
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
		if bulk = len(raw) > 0 && raw[0] == '['; !bulk {
			var q surveys.NewQuestion
			if err := decodeJSON(raw, &q); err != nil {
				s.fail(c, err)
				return
			}
			qs = []surveys.NewQuestion{q}
		} else {
			// Each question is read as one is, its fields named [i].field.
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				s.fail(c, apperr.Field("body", "须为题目对象或题目数组"))
				return
			}
			qs = make([]surveys.NewQuestion, len(items))
			var errs []error
			for i, item := range items {
				errs = append(errs, prefixFields(fmt.Sprintf("[%d].", i), decodeJSON(item, &qs[i])))
			}
			if err := mergeFields(errs...); err != nil {
				s.fail(c, err)
				return
			}
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
	c.JSON(http.StatusCreated, surveyQuestionBatch{Items: out, Created: len(out)})
}

// prefixFields puts prefix before the fields an invalid_argument error
// names; other errors are returned as they are.
func prefixFields(prefix string, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	fields := map[string]string{}
	for k, v := range ae.Fields {
		fields[prefix+k] = v
	}
	return apperr.Fields(fields)
}

var createSurveyOp = op{
	Tag:     "admin-surveys",
	Summary: "Create a survey (draft)",
	Description: "Staff with surveys.write; the survey belongs to their department. Returns the draft with its questions (answers " +
		"included, staff only). 403 permission_denied naming the field when the audience reaches beyond the caller's streets " +
		"(audience.streets, or audience.communities for communities of other streets; an audience naming neither reaches every " +
		"street) or points_rule is another department's rule.",
	Body:    surveys.NewSurvey{},
	Replies: []reply{created(surveys.Survey{})},
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

var publishSurveyOp = op{
	Tag:     "admin-surveys",
	Summary: "Publish",
	Description: "Makes a draft visible to its audience from opens_at. A survey of another department, or reaching beyond the caller's " +
		"streets, is 404; an already published one is 409 conflict.",
	Replies: []reply{ok(surveys.Survey{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) publishSurvey(c *gin.Context) {
	sv, err := s.Surveys.Publish(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}

var surveyStatsOp = op{
	Tag:     "admin-surveys",
	Summary: "Statistics",
	Description: "Staff with surveys.read of the owning department; only answers from the caller's streets count. Quiz: participants, pass " +
		"rate, average score, fast attempts, per-question correct rate, by street. Questionnaire/declaration: participants, " +
		"responses, per question the answers (choice: count per option; number: min, max, mean and count per value or range; " +
		"text: the latest answers), by street; ?date= narrows to one day. Answers erased by retention still count. Audited as a " +
		"read of personal data (text answers).",
	Query:   dayQuery{},
	Replies: []reply{ok(surveys.Stats{})},
}

// dayQuery is ?date=, one district day.
type dayQuery struct {
	Date string `form:"date" format:"date" doc:"a district day, YYYY-MM-DD (UTC+8)"`
}

func (s *Server) surveyStats(c *gin.Context) {
	var q dayQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	d := ""
	if q.Date != "" {
		var err error
		if d, err = s.Surveys.ParseDay(q.Date); err != nil {
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

var exportResponsesOp = op{
	Tag:     "admin-surveys",
	Summary: "Export responses",
	Description: "Staff with surveys.read of the owning department; street-scoped staff get only their streets' rows. Streamed in constant " +
		"memory. Columns, with Chinese headers: 答卷编号, 居民编号, 街道, 社区, 提交时间 (Asia/Shanghai), then one column per question " +
		"headed by its stem (choices as their text, several joined with 、; a number question's answer a number); a quiz exports its " +
		"submitted attempts with 得分, 是否及格 (是/否), 用时（秒）, 疑似过快 (是/否) and 抽题序号 (the draw's seed), then one column per " +
		"question (its fixed questions, then any drawn). In XLSX numbers (score, duration, number answers) are stored as numbers; IDs " +
		"stay text. CSV is UTF-8 with a BOM; cells that would start a formula get a leading apostrophe. Audited as a read of personal data.",
	Query:   exportQuery{},
	Replies: []reply{file(http.StatusOK, "The file", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
}

type exportQuery struct {
	Format string `form:"format" binding:"omitempty,oneof=csv xlsx" doc:"csv (default) or xlsx"`
	dayQuery
}

// exportResponses streams a survey's responses as CSV (default) or XLSX.
func (s *Server) exportResponses(c *gin.Context) {
	var q exportQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	format := or(q.Format, "csv")
	d := ""
	if q.Date != "" {
		var err error
		if d, err = s.Surveys.ParseDay(q.Date); err != nil {
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

var missingDeclarationsOp = op{
	Tag:     "admin-surveys",
	Summary: "Who has not declared",
	Description: "For a questionnaire or declaration: targeted residents (within the caller's streets) with no response on ?date= (any " +
		"response for a one-off questionnaire), by ascending ID. A quiz is 400. Audited as a read of personal data.",
	Query:   missingQuery{},
	Replies: []reply{ok(page[surveys.MissingResident]{})},
}

type missingQuery struct {
	pageQuery
	dayQuery
}

func (s *Server) missingDeclarations(c *gin.Context) {
	var q missingQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.Surveys.ParseDay(q.Date)
	if err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
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

var remindMissingOp = op{
	Tag:     "admin-surveys",
	Summary: "Remind who has not responded today",
	Description: "Staff with surveys.write: sends today's reminder to every targeted resident (within the caller's streets) who has not " +
		"responded today → {reminded, date}. The reminder is a fixed system notice (title 问卷填报提醒, a fixed sentence quoting the " +
		"survey's title cut to 16 characters), sent on behalf of the survey's department, at most once per survey per district " +
		"day whoever asks: a second call the same day sends nothing and answers 200 with the first call's count. With nobody to " +
		"remind nothing is sent (reminded 0) and a later call may still send. Audited with the member who asked.",
	Query:   dayQuery{},
	Replies: []reply{ok(reminderReply{})},
}

// reminderReply says how many residents today's reminder went to.
type reminderReply struct {
	Reminded int    `json:"reminded" doc:"residents the reminder went to (on a repeat: the first call's count; nothing is sent again)"`
	Date     string `json:"date" doc:"the district day (YYYY-MM-DD)"`
}

// remindMissing sends today's reminder to every targeted resident who has
// not responded (?date=, if given, must be today); once a day per survey,
// a second call answers the first.
func (s *Server) remindMissing(c *gin.Context) {
	var q dayQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Surveys.Remind(c.Request.Context(), actor(c), pathID(c, "id"), q.Date)
	if err != nil {
		s.fail(c, err)
		return
	}
	if r.Repeated {
		auditDetail(c, "already reminded "+strconv.Itoa(r.Reminded)+" residents for "+r.Day+"; nothing sent")
	} else {
		auditDetail(c, "reminded "+strconv.Itoa(r.Reminded)+" residents for "+r.Day)
	}
	c.JSON(http.StatusOK, reminderReply{Reminded: r.Reminded, Date: r.Day})
}

var listSurveysOp = op{
	Tag:     "surveys",
	Summary: "可参与的问卷、答题与申报",
	Description: "Surveys open to me. Published surveys whose window is open and whose audience includes me, newest first, with whether I " +
		"have taken part today.",
	Query:   pageQuery{},
	Replies: []reply{ok(page[surveys.PublicSurvey]{})},
}

func (s *Server) listSurveys(c *gin.Context) {
	var q pageQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
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

var getSurveyOp = op{
	Tag:     "surveys",
	Summary: "问卷详情",
	Description: "One survey. A survey open to me; for a questionnaire or declaration its questions (with ids, never answers). 404 if it " +
		"is not published, not open, or I am not in its audience.",
	Replies: []reply{ok(surveys.PublicSurvey{})},
}

func (s *Server) getSurvey(c *gin.Context) {
	sv, err := s.Surveys.FindForResident(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}

var startAttemptOp = op{
	Tag:     "surveys",
	Summary: "开始答题",
	Description: "Start a quiz attempt. Draws this attempt's questions (by tags and count, option order shuffled; the seed is kept for " +
		"audit) → {attempt_id, questions, deadline}. No answers in it. 409 conflict when today's attempts_per_day are used up; " +
		"400 for a questionnaire.",
	Replies: []reply{created(surveys.StartedAttempt{})},
	Errors:  []int{http.StatusConflict},
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
	Answers map[string][]string `json:"answers" binding:"required" doc:"Question ID → the chosen option strings as shown (any order); a text or number question takes one string."`
}

var submitAttemptOp = op{
	Tag:     "surveys",
	Summary: "提交答卷",
	Description: "Submit a quiz attempt. Scored on the server → score, passed, points_awarded and corrections with explanations. " +
		"Retry-safe: sending the same answers again (in any order) to an attempt already submitted answers 200 with the stored " +
		"result, the same body; other answers to a submitted attempt are 409 conflict (read the result with GET " +
		"/api/v1/attempts/{id}). Answering a question not drawn or an option not shown is 400 (answers.<question_id>); a first " +
		"submit after the deadline (2 s grace) is 409 conflict; another resident's attempt is 404.",
	Body:    answersRequest{},
	Replies: []reply{ok(surveys.Result{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) submitAttempt(c *gin.Context) {
	var req answersRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.Surveys.Submit(c.Request.Context(), residentID(c), pathID(c, "id"), req.Answers)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

var getAttemptOp = op{
	Tag:     "surveys",
	Summary: "查看答题记录与成绩",
	Description: "My quiz attempt: the questions drawn for it (never their answers) and its status: open (may be submitted until the " +
		"deadline), expired (the deadline passed without a submit) or submitted. Once submitted, result is the body the submit " +
		"answered: score, passed, points_awarded and corrections with the right answers and explanations; null before. Past the " +
		"survey's retention the answers are erased: answers_erased is true and the result keeps its score with no corrections. " +
		"Another resident's attempt is 404.",
	Replies: []reply{ok(surveys.AttemptView{})},
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

var submitResponseOp = op{
	Tag:     "surveys",
	Summary: "提交问卷或每日申报",
	Description: "Answer a questionnaire or declaration. Every answer is checked against its question (options; one value for single, " +
		"judge, rating, text, number); required questions must be answered (answers.<question_id> names each bad one). One " +
		"response per resident, or per district day for a daily survey: a second is 409 conflict.",
	Body:    answersRequest{},
	Replies: []reply{created(surveys.Receipt{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) submitResponse(c *gin.Context) {
	var req answersRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	rec, err := s.Surveys.Respond(c.Request.Context(), residentID(c), pathID(c, "id"), req.Answers)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, rec)
}

var listQuestionsOp = op{
	Tag:     "admin-surveys",
	Summary: "The question bank",
	Description: "Staff with surveys.read. The bank questions the caller's department may use: its own and the starter bank " +
		"(district-wide; a superadmin sees every department's), newest first. Retired questions only with include_retired=true.",
	Query:   listQuestionsQuery{},
	Replies: []reply{ok(page[surveys.BankQuestion]{})},
}

type listQuestionsQuery struct {
	pageQuery
	surveys.QuestionFilter
}

// listQuestions lists the question bank the caller may use.
func (s *Server) listQuestions(c *gin.Context) {
	var q listQuestionsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f := q.QuestionFilter
	var err error
	if f.Limit, f.Before, err = q.idPage(); err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Surveys.FindQuestions(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(items, next))
}

var updateQuestionOp = op{
	Tag:     "admin-surveys",
	Summary: "Edit a bank question",
	Description: "Staff with surveys.write. The body is the whole question (as on create) and replaces it. A question of another " +
		"department is 404; a starter-bank question is 403 (a superadmin's to edit); a retired one, or one in use (answered, or " +
		"used by a published survey: past answers keep their meaning), is 409 — retire it and write a new one.",
	Body:    surveys.NewQuestion{},
	Replies: []reply{ok(surveys.Question{})},
	Errors:  []int{http.StatusConflict},
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

var retireQuestionOp = op{
	Tag:     "admin-surveys",
	Summary: "Retire a bank question",
	Description: "Staff with surveys.write. The question is offered for no new survey or draw; surveys that have it, and quizzes published " +
		"before it was retired that draw from the bank, keep it. 404, 403 as for editing; already retired is 409.",
	Replies: []reply{ok(surveys.Question{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) retireQuestion(c *gin.Context) {
	q, err := s.Surveys.RetireQuestion(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, q)
}

var listAdminSurveysOp = op{
	Tag:     "admin-surveys",
	Summary: "Surveys of the caller's department",
	Description: "Staff with surveys.read. The surveys of the caller's department (a superadmin: all) whose audience reaches one of the " +
		"caller's streets, newest first, without their questions, with their `total` over all pages.",
	Query:   listAdminSurveysQuery{},
	Replies: []reply{ok(page[surveys.Survey]{})},
}

type listAdminSurveysQuery struct {
	pageQuery
	surveys.Filter
}

func (s *Server) listAdminSurveys(c *gin.Context) {
	var q listAdminSurveysQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f := q.Filter
	var err error
	if f.Limit, f.Before, err = q.idPage(); err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Surveys.Find(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(items, next), func() (int64, bool, error) {
		return s.Surveys.CountFound(c.Request.Context(), actor(c), f)
	})
}

var getAdminSurveyOp = op{
	Tag:         "admin-surveys",
	Summary:     "A survey with its questions",
	Description: "Staff with surveys.read. A survey of another department, or whose audience reaches none of the caller's streets, is 404.",
	Replies:     []reply{ok(surveys.Survey{})},
}

func (s *Server) getAdminSurvey(c *gin.Context) {
	sv, err := s.Surveys.FindByID(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}

var updateSurveyOp = op{
	Tag:     "admin-surveys",
	Summary: "Edit a survey",
	Description: "Staff with surveys.write. Every field given replaces the survey's. A draft takes any field (checked as on " +
		"create; questions it already has may stay though retired since; changing kind drops settings the new kind does not " +
		"take). Published: only closes_at (any other field is 409 naming it), so answers keep their meaning. A survey of " +
		"another department, or reaching beyond the caller's streets, is 404.",
	Body:    surveys.Patch{},
	Replies: []reply{ok(surveys.Survey{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) updateSurvey(c *gin.Context) {
	var p surveys.Patch
	if err := bindJSON(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	sv, err := s.Surveys.Update(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}

var closeSurveyOp = op{
	Tag:     "admin-surveys",
	Summary: "Close a survey now",
	Description: "Staff with surveys.write. Sets closes_at to now: residents no longer see or answer it; answers and statistics stay. A " +
		"draft or an already closed survey is 409; out of scope is 404.",
	Replies: []reply{ok(surveys.Survey{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) closeSurvey(c *gin.Context) {
	sv, err := s.Surveys.Close(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sv)
}
