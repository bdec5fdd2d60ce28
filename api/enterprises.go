package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// The residents' side of the enterprise registry (and its public rating):
// binding to an enterprise, its rating for members, objections and
// benefits; and the officers' queues and decisions.

// usccPath is the {uscc} of an enterprise's routes.
type usccPath struct {
	USCC string `uri:"uscc" binding:"min=18,max=40" doc:"Unified social credit code (GB 32100-2015, 18 characters); case-insensitive, and spaces or hyphens typed inside it are ignored. A malformed code or wrong check character is 400 naming uscc."`
}

var publicRatingOp = op{
	Tag:         "enterprises",
	Summary:     "查询企业信用评价（公开）",
	Description: "Public rating. Anyone, no token needed. Returns only uscc, name, grade, rated_at, valid_until.",
	Path:        usccPath{},
	Replies:     []reply{ok(enterprises.PublicRating{})},
}

func (s *Server) publicRating(c *gin.Context) {
	r, err := s.Enterprises.Public(c.Request.Context(), c.Param("uscc"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// bindingRequest is the body of POST /enterprises/bindings.
type bindingRequest struct {
	USCC string           `json:"uscc" binding:"required" example:"914403001922038216" doc:"the enterprise's unified social credit code"`
	Role enterprises.Role `json:"role" binding:"required" example:"agent"`
}

var requestBindingOp = op{
	Tag:     "enterprises",
	Summary: "申请绑定企业",
	Description: "Request binding to an enterprise. Resident. Asks to act for the enterprise as its legal representative or agent; a " +
		"credit officer decides. 201 with a new pending binding; asking again while pending or approved returns the existing " +
		"binding with 200; after a rejection it asks anew (201).",
	Body:    bindingRequest{},
	Replies: []reply{created(enterprises.Binding{}), {Status: http.StatusOK, Description: "Already requested", Body: enterprises.Binding{}}},
	Errors:  []int{http.StatusNotFound},
}

func (s *Server) requestBinding(c *gin.Context) {
	var req bindingRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	b, created, err := s.Enterprises.RequestBinding(c.Request.Context(), residentID(c), req.USCC, req.Role)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, created, b)
}

var myEnterprisesOp = op{
	Tag:     "enterprises",
	Summary: "我绑定的企业（含待审核、未通过的申请）",
	Description: "My enterprises: every enterprise I asked to be bound to, in the order I asked, with the binding's status: approved (I am " +
		"a member: the current rating with its score), pending (waiting for a department's decision) or rejected (I may ask " +
		"again). A pending or rejected binding shows the public view only: score is null. Not paginated.",
	Replies: []reply{ok(page[enterprises.MyEnterprise]{})},
	Errors:  []int{http.StatusBadRequest}, // a query string that is not UTF-8, as on every route
}

func (s *Server) myEnterprises(c *gin.Context) {
	es, err := s.Enterprises.Mine(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(es, ""))
}

var getEnterpriseOp = op{
	Tag:     "enterprises",
	Summary: "企业评价详情（已绑定成员）",
	Description: "Enterprise detail for members. Only residents with an approved binding to the enterprise (its members). Any other " +
		"resident — pending, rejected, a member of another enterprise, or a stranger — gets 403 permission_denied and learns " +
		"nothing beyond the public view (the enterprise's existence, name and grade are public anyway); an unregistered code is " +
		"404. Staff tokens get 403. The rating, its factors with reasons, and the rating history.",
	Path:    usccPath{},
	Replies: []reply{ok(enterprises.Detail{})},
}

func (s *Server) getEnterprise(c *gin.Context) {
	d, err := s.Enterprises.Detail(c.Request.Context(), residentID(c), c.Param("uscc"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

var createObjectionOp = op{
	Tag:     "enterprises",
	Summary: "对评价扣分项提出异议",
	Description: "Object to a factor. Only residents with an approved binding to the enterprise (its members). Any other resident — " +
		"pending, rejected, a member of another enterprise, or a stranger — gets 403 permission_denied and learns nothing beyond " +
		"the public view (the enterprise's existence, name and grade are public anyway); an unregistered code is 404. Staff " +
		"tokens get 403. factor_id must be a factor of the current rating (else 400 naming factor_id); one pending objection per " +
		"factor (409). A credit officer decides; approval removes the factor and re-rates.",
	Path:    usccPath{},
	Body:    enterprises.ObjectionInput{},
	Replies: []reply{created(enterprises.ObjectionResult{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) createObjection(c *gin.Context) {
	var req enterprises.ObjectionInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.Enterprises.Object(c.Request.Context(), residentID(c), c.Param("uscc"), req.FactorID, req.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, o)
}

var listMyObjectionsOp = op{
	Tag:         "enterprises",
	Summary:     "我提出的异议",
	Description: "All my objections, about any enterprise, newest first, with their status and the decision's time. Resident only.",
	Query:       pageQuery{},
	Replies:     []reply{ok(page[enterprises.MyObjection]{})},
}

// listMyObjections lists the caller's own objections: all of them
// (/me/objections) or those about one enterprise
// (/enterprises/{uscc}/objections).
func (s *Server) listMyObjections(c *gin.Context) {
	var q pageQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	list, next, err := s.Enterprises.MyObjections(c.Request.Context(), residentID(c), c.Param("uscc"), limit, before)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(list, next))
}

var listEnterpriseObjectionsOp = op{
	Tag:     "enterprises",
	Summary: "我对该企业提出的异议",
	Description: "My own objections about this enterprise, newest first, with their status (pending until a credit officer decides, then " +
		"approved or rejected) and the decision's time; never another member's. A resident who filed none gets an empty list. An " +
		"unregistered code is 404, a malformed one 400 naming uscc. Resident only.",
	Path:    usccPath{},
	Query:   pageQuery{},
	Replies: []reply{ok(page[enterprises.MyObjection]{})},
}

// listEnterpriseObjections is GET /enterprises/{uscc}/objections: the
// caller's own objections about that enterprise.
func (s *Server) listEnterpriseObjections(c *gin.Context) { s.listMyObjections(c) }

var enterpriseBenefitsOp = op{
	Tag:     "enterprises",
	Summary: "企业免申即享政策",
	Description: "Benefits without applying. Only residents with an approved binding to the enterprise (its members). Any other resident — " +
		"pending, rejected, a member of another enterprise, or a stranger — gets 403 permission_denied and learns nothing beyond " +
		"the public view (the enterprise's existence, name and grade are public anyway); an unregistered code is 404. Staff " +
		"tokens get 403. The running benefit programs the enterprise qualifies for now (grade, industry, street), newest first; " +
		"an ended program is no longer listed (ended_at is always null here); not paginated.",
	Path:    usccPath{},
	Replies: []reply{ok(page[enterprises.BenefitProgram]{})},
}

func (s *Server) enterpriseBenefits(c *gin.Context) {
	ps, err := s.Enterprises.Benefits(c.Request.Context(), residentID(c), c.Param("uscc"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(ps, ""))
}

var createEnterpriseOp = op{
	Tag:     "admin-enterprises",
	Summary: "Register an enterprise",
	Description: "Staff with enterprises.manage (credit_officer, dept_admin). The code is upper-cased and checked (GB 32100-2015 check " +
		"character); street must be a district street (400) inside the member's street scope (else 403 naming `street`). The " +
		"enterprise is rated at once (base score, grade B). A second registration of a code is 409.",
	Body:    enterprises.NewEnterprise{},
	Replies: []reply{created(enterprises.Enterprise{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) createEnterprise(c *gin.Context) {
	var req enterprises.NewEnterprise
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	e, err := s.Enterprises.Create(c.Request.Context(), actor(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, e)
}

var importEnterprisesOp = op{
	Tag:     "admin-enterprises",
	Summary: "Import enterprises from CSV",
	Description: "Staff with enterprises.manage. The CSV (UTF-8, optional BOM) is the body (Content-Type text/csv) or the `file` part of a " +
		"multipart/form-data form; header `uscc,name,industry,street`. Each line is one record (no field may hold a line break: a " +
		"quote left open spoils its own line only); blank lines are skipped. Every field of every line is checked before anything " +
		"is written, as a single registration checks it: the code (spaces and hyphens inside it are dropped), text that is valid " +
		"UTF-8 without control characters and fits its column (name 128 characters, industry 64), a known street inside the " +
		"member's streets; and against the registry and the file (already registered, code repeated in the file), and the column " +
		"count. Each bad line is reported in `errors` with its line number (the header is line 1), its reason and the columns at " +
		"fault; the good lines are then all registered and rated together, in one transaction: all of them are saved, or, if the " +
		"database fails, none is and the answer is a 5xx. So a 200 always means: `imported` lines saved, every other line listed " +
		"in `errors`. A wrong header, a file that is not CSV or one with more than 20,000 lines is 400 naming `file`, and nothing " +
		"is saved.",
	Body:    csvUpload{Description: "the CSV: header uscc,name,industry,street, one enterprise a line"},
	Replies: []reply{ok(enterprises.ImportResult{})},
}

func (s *Server) importEnterprises(c *gin.Context) { s.importCSV(c, s.Enterprises.Import) }

// importCSV runs an import of the CSV sent as the request body (text/csv)
// or as the "file" part of a multipart form, and answers its report.
func (s *Server) importCSV(c *gin.Context, run func(context.Context, *staff.Member, io.Reader) (*enterprises.ImportResult, error)) {
	body, done, err := csvBody(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer done()
	res, err := run(c.Request.Context(), actor(c), body)
	if err != nil {
		if isTooLarge(err) {
			err = errTooLarge
		}
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// csvBody is an import's CSV: the request body (text/csv) or the "file"
// part of a multipart form.
func csvBody(c *gin.Context) (io.Reader, func(), error) {
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt == "multipart/form-data" {
		fh, err := c.FormFile("file")
		if err != nil {
			return nil, nil, apperr.Field("file", "缺少 CSV 文件")
		}
		f, err := fh.Open()
		if err != nil {
			return nil, nil, apperr.Field("file", "无法读取 CSV 文件")
		}
		return f, func() { f.Close() }, nil
	}
	return c.Request.Body, func() {}, nil
}

// decideRequest is the body of a binding's decision.
type decideRequest struct {
	Approve *bool `json:"approve" binding:"required" doc:"true approves, false rejects"`
}

var decideBindingOp = op{
	Tag:     "admin-enterprises",
	Summary: "Decide a binding",
	Description: "Staff with enterprises.bindings.decide (credit_officer). Street-scoped members decide only for enterprises in their " +
		"streets; other bindings are 404. Only a pending binding can be decided (409 otherwise).",
	Body:    decideRequest{},
	Replies: []reply{ok(enterprises.Binding{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) decideBinding(c *gin.Context) {
	var req decideRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	b, err := s.Enterprises.DecideBinding(c.Request.Context(), actor(c), pathID(c, "id"), *req.Approve)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "binding "+strconv.FormatInt(b.ID, 10)+" "+string(b.Status))
	c.JSON(http.StatusOK, b)
}

// creditRecordRequest is the body of POST /admin/credit-records: the
// record (its fields' limits are the domain's input type's) with its
// times as sent.
type creditRecordRequest struct {
	enterprises.NewCreditRecord
	OccurredAt string `json:"occurred_at" binding:"required" format:"date-time" example:"2026-01-15T09:00:00+08:00" doc:"RFC 3339, not in the future"`
	ExpiresAt  string `json:"expires_at" format:"date-time" doc:"RFC 3339; default: the severity's publication period from occurred_at"`
}

var createCreditRecordOp = op{
	Tag:     "admin-enterprises",
	Summary: "Write a credit record",
	Description: "Staff with credit.write (credit_officer of any department; the department is recorded). An enterprise outside a " +
		"street-scoped member's streets answers 404 like an unknown one. One case, one record: a record naming case_ref is " +
		"idempotent on (enterprise, kind, case_ref, trimmed): repeating it with the same content (severity, occurred_at, " +
		"expires_at, note, department) answers 200 with the first record and the enterprise's current rating and writes nothing; " +
		"with other content it is 409. A record without case_ref is always a new one. occurred_at is RFC 3339 and not in the " +
		"future. expires_at defaults to the national publication period (minor 3 months, general 1 year, serious 3 years from " +
		"occurrence) and, when given, must lie within the severity's window (minor up to 3 months; general 3 months to 1 year; " +
		"serious 1 to 3 years; honor and tax_grade up to 3 years). The enterprise is re-rated at once; an expired record stops " +
		"counting. Due process: in the same transaction the enterprise's bound members get an inbox notice (system message " +
		"credit_recorded, a fixed text naming the enterprise, the record's kind, severity, case reference, dates and points, and " +
		"how to object; once per record, nothing on a repeat) and, if the grade changed, a second one (grade_changed: old and new " +
		"grade and score, and the records that moved it; once per rating). A re-rating by the worker that changes the grade (an " +
		"expiry) tells them the same way; one that keeps the grade tells nothing. Scoring model 2026.1 (enterprises/model.go, the " +
		"one place it is defined): base score 85; every counting credit record adds points by kind and severity " +
		"(minor/general/serious): penalty −5/−15/−30, commitment_breach −5/−12/−25, arrears −3/−10/−20, complaint −2/−5/−10, " +
		"honor +2/+5/+10, tax_grade (A-grade taxpayer) +3/+5/+8; clamped to 0–100; grades A ≥ 90, B ≥ 75, C ≥ 60, else D. A " +
		"record counts from occurred_at until expires_at (publication period, credit repair) unless an upheld objection removed " +
		"it. valid_until is the earlier of the next expiry of a counted record and rated_at + 90 days; a worker (hourly, so at " +
		"least daily) re-rates every enterprise whose rating is no longer valid, so expiries take effect without any write. Every " +
		"rating is kept as history with its model version.",
	Body:    creditRecordRequest{},
	Replies: []reply{created(enterprises.RecordResult{}), {Status: http.StatusOK, Description: "The case was already recorded with this content: the first record", Body: enterprises.RecordResult{}}},
	Errors:  []int{http.StatusNotFound, http.StatusConflict},
}

func (s *Server) createCreditRecord(c *gin.Context) {
	var req creditRecordRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	n := req.NewCreditRecord
	occurred, err := parseTime("occurred_at", req.OccurredAt)
	if err != nil {
		s.fail(c, err)
		return
	}
	expires, err := parseTime("expires_at", req.ExpiresAt)
	if err != nil {
		s.fail(c, err)
		return
	}
	n.OccurredAt = *occurred // required: bindJSON refused an empty one
	if expires != nil {
		n.ExpiresAt = *expires
	}
	r, created, err := s.Enterprises.Record(c.Request.Context(), actor(c), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, created, r)
}

var decideObjectionOp = op{
	Tag:     "admin-enterprises",
	Summary: "Decide an objection",
	Description: "Staff with enterprises.objections.decide (credit_officer). Only the department that wrote the disputed record decides (a " +
		"district-wide record: superadmins), and street-scoped members only for enterprises in their streets; any other objection " +
		"is 404, like an unknown one. A reason is required (the objector reads it in their enterprise view, GET " +
		"/enterprises/{uscc}). approve=true removes the factor (its credit record stops counting for good) and re-rates at once; " +
		"only pending objections (409 otherwise). In the same transaction the enterprise's bound members and the objector get an " +
		"inbox notice of the decision (system message objection_decided, once per objection), and of the grade change an upheld " +
		"objection causes (grade_changed).",
	Body:    enterprises.Decision{},
	Replies: []reply{ok(enterprises.ObjectionResult{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) decideObjection(c *gin.Context) {
	var req enterprises.Decision
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.Enterprises.DecideObjection(c.Request.Context(), actor(c), pathID(c, "id"), *req.Approve, req.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

var createBenefitProgramOp = op{
	Tag:     "admin-enterprises",
	Summary: "Create a benefit program",
	Description: "Staff with benefits.manage (credit_officer, dept_admin). \"信用+免申即享\": every enterprise meeting the criteria is matched " +
		"now and listed in `matches`; its approved members get an inbox notice: a fixed system text naming their enterprise by " +
		"its code and the program by reference, sent for the program's department (staff write nothing into it). Each " +
		"enterprise's members are notified once per program: now, or when a later re-rating first makes the enterprise qualify; " +
		"the notice is a job queued with the match, so one held by a notify outage goes out, once, when notify recovers " +
		"(`notified_at` in GET …/matches). `notice` is the program's description: the enterprise's members read it with the " +
		"program in GET /enterprises/{uscc}/benefits; it never goes to inboxes. criteria.streets must lie within the member's " +
		"streets (else 403 naming `criteria.streets`; a street-scoped member must name some of their streets); each street and " +
		"industry counts once, at most 50 industries of at most 64 characters.",
	Body:    enterprises.NewProgram{},
	Replies: []reply{created(enterprises.ProgramResult{})},
}

func (s *Server) createBenefitProgram(c *gin.Context) {
	var req enterprises.NewProgram
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Enterprises.CreateProgram(c.Request.Context(), actor(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, p)
}

// isTooLarge reports whether err is the body limit being hit.
func isTooLarge(err error) bool {
	var maxErr *http.MaxBytesError
	return errors.As(err, &maxErr)
}

// queueQuery is ?status=&page_size=&page_token= for an officer's queue.
type queueQuery struct {
	pageQuery
	enterprises.QueueFilter
}

// filter reads the query for an officer's queue.
func (q queueQuery) filter() (enterprises.QueueFilter, error) {
	f := q.QueueFilter
	var err error
	f.Limit, f.After, err = q.idPage()
	return f, err
}

var listBindingsOp = op{
	Tag:     "admin-enterprises",
	Summary: "Binding requests (officer queue)",
	Description: "Staff with enterprises.bindings.decide (credit_officer). Binding requests in the member's street scope, oldest first, by " +
		"status (default pending); cursor-paginated. Audited as a read of personal data (who asked to act for which enterprise).",
	Query:   queueQuery{},
	Replies: []reply{ok(page[enterprises.Binding]{})},
}

func (s *Server) listBindings(c *gin.Context) {
	var q queueQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f, err := q.filter()
	if err != nil {
		s.fail(c, err)
		return
	}
	bs, next, err := s.Enterprises.FindBindings(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "enterprise bindings "+string(f.Status))
	c.JSON(http.StatusOK, newIDPage(bs, next))
}

var listObjectionsOp = op{
	Tag:     "admin-enterprises",
	Summary: "Objections (officer queue)",
	Description: "Staff with enterprises.objections.decide (credit_officer). Objections in the member's street scope, oldest first, by " +
		"status (default pending), each with the disputed credit record as `factor`; cursor-paginated. Audited as a read of " +
		"personal data.",
	Query:   queueQuery{},
	Replies: []reply{ok(page[enterprises.QueuedObjection]{})},
}

func (s *Server) listObjections(c *gin.Context) {
	var q queueQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f, err := q.filter()
	if err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Enterprises.FindObjections(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "credit objections "+string(f.Status))
	respondCounted(c, s, newIDPage(items, next), func() (int64, bool, error) {
		return s.Enterprises.CountObjections(c.Request.Context(), actor(c), f)
	})
}
