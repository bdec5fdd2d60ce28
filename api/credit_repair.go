package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/enterprises"
)

// 信用修复 (issue 29, the enterprise side): a bound member repairs a minor
// or general credit record of their enterprise by passing the recording
// department's course (a quiz) and submitting a written commitment; the
// department reviews it, and an approval ends the record's publication
// early and re-rates the enterprise.

const repairMemberOnly = "Only residents with an approved binding to the enterprise (its members); any other resident gets 403 " +
	"permission_denied, an unregistered code 404, a record that is not the enterprise's 404. Staff tokens get 403. "

var listRecordRepairsOp = op{
	Tag:     "enterprises",
	Summary: "企业信用修复（各条记录）",
	Description: "The enterprise's adverse credit records that count now or were repaired, oldest first, each saying whether it may be " +
		"repaired (信用修复: minor and general records of a department that defined a course for their kind; serious records never), " +
		"`block` why not, the newest repair's `status` (none, course_passed, submitted, approved, rejected), `next_step` in words, " +
		"and while repairable the course's quiz (`survey_id`) and pass mark. A repaired record shows `repaired_at` and " +
		"`original_expires_at`. The same list is `repairs` of GET /enterprises/{uscc}. " + repairMemberOnly + "Not paginated.",
	Path:    usccPath{},
	Replies: []reply{ok(page[enterprises.RecordRepair]{})},
}

func (s *Server) listRecordRepairs(c *gin.Context) {
	rs, err := s.Enterprises.RecordRepairs(c.Request.Context(), residentID(c), c.Param("uscc"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(rs, ""))
}

var startCreditRepairOp = op{
	Tag:     "enterprises",
	Summary: "信用修复：提交已通过的修复课程测验",
	Description: "Starts the record's credit repair with a quiz attempt that passes its course: the caller's own submitted attempt at " +
		"the course's quiz (`survey_id` of the record's repair), made after the record was recorded, scoring at least the pass " +
		"mark (else 400 naming attempt_id). A record that cannot be repaired is 400 naming record_id with the reason (serious, " +
		"no course, no longer counting, repaired already). One repair of a record at a time and once approved for good: another " +
		"under way is 409; the same attempt again answers the repair it started (200). After a rejection a new attempt starts " +
		"anew. Then submit the commitment (PUT …/repair/commitment). " + repairMemberOnly,
	Path:    usccPath{},
	Body:    enterprises.RepairStart{},
	Replies: []reply{created(enterprises.RecordRepair{}), {Status: http.StatusOK, Description: "This attempt already started the repair", Body: enterprises.RecordRepair{}}},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) startCreditRepair(c *gin.Context) {
	var req enterprises.RepairStart
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, created, err := s.Enterprises.StartRepair(c.Request.Context(), residentID(c), c.Param("uscc"), pathID(c, "id"), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, created, v)
}

var commitRepairOp = op{
	Tag:     "enterprises",
	Summary: "信用修复：提交信用承诺书",
	Description: "Submits the written commitment (信用承诺书) of the record's repair under way for the department's review " +
		"(status submitted); while the review waits a member may replace it. Stored with who and when; only the reviewing " +
		"department reads it. Before the course was passed (or after a rejection) 409; once decided 409. " + repairMemberOnly,
	Path:    usccPath{},
	Body:    enterprises.Commitment{},
	Replies: []reply{ok(enterprises.RecordRepair{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) commitRepair(c *gin.Context) {
	var req enterprises.Commitment
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Enterprises.Commit(c.Request.Context(), residentID(c), c.Param("uscc"), pathID(c, "id"), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// repairQueueQuery is ?status=&kind=&uscc=&page_size=&page_token= of the
// review queue.
type repairQueueQuery struct {
	pageQuery
	enterprises.RepairFilter
}

var listRepairsOp = op{
	Tag:     "admin-enterprises",
	Summary: "Credit repairs (review queue)",
	Description: "Staff with credit.repairs.decide (credit_officer). Repairs of the member's departments' credit records (every " +
		"department's for the district) about enterprises of their streets, oldest first, by status (default submitted: " +
		"awaiting review), record kind and enterprise code, each with the record it repairs, the quiz result (score, pass mark, " +
		"when) and the commitment; cursor-paginated. Audited as a read of personal data.",
	Query:   repairQueueQuery{},
	Replies: []reply{ok(page[enterprises.QueuedRepair]{})},
}

func (s *Server) listRepairs(c *gin.Context) {
	var q repairQueueQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f := q.RepairFilter
	var err error
	if f.Limit, f.After, err = q.idPage(); err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Enterprises.FindRepairs(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "credit repairs "+string(f.Status))
	c.JSON(http.StatusOK, newIDPage(items, next))
}

var getRepairOp = op{
	Tag:     "admin-enterprises",
	Summary: "A credit repair",
	Description: "Staff with credit.repairs.decide. One repair with its record, quiz result and commitment; one outside the member's " +
		"departments or streets is 404 like an unknown one.",
	Replies: []reply{ok(enterprises.QueuedRepair{})},
}

func (s *Server) getRepair(c *gin.Context) {
	r, err := s.Enterprises.FindRepair(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

var decideRepairOp = op{
	Tag:     "admin-enterprises",
	Summary: "Decide a credit repair",
	Description: "Staff with credit.repairs.decide (credit_officer). Only the department that wrote the record decides (a " +
		"district-wide record: superadmins), street-scoped members only for enterprises of their streets; any other repair is " +
		"404. A reason is required (members read it in the app). Only a submitted repair (409 otherwise). approve=true ends the " +
		"record's publication period early (now, or at the end of its shortest publication period: general records 3 months " +
		"after occurrence) and re-rates the enterprise at once; approving a record that no longer counts is 409 (reject it). " +
		"In the same transaction the enterprise's members get a fixed text (credit_repair_decided: the enterprise's code, the " +
		"record's kind, severity and dates, the result; never the commitment or the reason) and, if the grade changed, " +
		"grade_changed as on every re-rating.",
	Body:    enterprises.RepairDecision{},
	Replies: []reply{ok(enterprises.QueuedRepair{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) decideRepair(c *gin.Context) {
	var req enterprises.RepairDecision
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Enterprises.DecideRepair(c.Request.Context(), actor(c), pathID(c, "id"), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

var listRepairCoursesOp = op{
	Tag:     "admin-enterprises",
	Summary: "Credit repair courses",
	Description: "Staff with credit.repairs.courses (credit_officer, dept_admin). The courses of the member's department (every " +
		"department's for the district), one per record kind: the quiz members pass (with its title and the tags it draws by) " +
		"and the pass mark. Not paginated.",
	Replies: []reply{ok(page[enterprises.RepairCourse]{})},
	Errors:  []int{http.StatusBadRequest}, // a query string that is not UTF-8, as on every route
}

func (s *Server) listRepairCourses(c *gin.Context) {
	cs, err := s.Enterprises.FindCourses(c.Request.Context(), actor(c).Scope())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(cs, ""))
}

var putRepairCourseOp = op{
	Tag:     "admin-enterprises",
	Summary: "Define a credit repair course",
	Description: "Staff with credit.repairs.courses. Defines (201) or redefines (200) the course of the member's department (the " +
		"district's for superadmins) for a kind of credit records: a quiz (a survey of kind quiz: fixed questions, or drawn from " +
		"the bank by tag) of the department or the district (else 400 naming survey_id), and the score that passes it. honor and " +
		"tax_grade have nothing to repair (400 naming kind). Applies to repairs started afterwards.",
	Body:    enterprises.CourseInput{},
	Replies: []reply{created(enterprises.RepairCourse{}), ok(enterprises.RepairCourse{})},
}

func (s *Server) putRepairCourse(c *gin.Context) {
	var req enterprises.CourseInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	rc, created, err := s.Enterprises.PutCourse(c.Request.Context(), actor(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, created, rc)
}

var deleteRepairCourseOp = op{
	Tag:     "admin-enterprises",
	Summary: "Delete a credit repair course",
	Description: "Staff with credit.repairs.courses. Another department's course is 404. Repairs under way go on; none starts " +
		"for the kind until a course is defined again.",
	Replies: []reply{noContent()},
}

func (s *Server) deleteRepairCourse(c *gin.Context) {
	if err := s.Enterprises.DeleteCourse(c.Request.Context(), actor(c), pathID(c, "id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
