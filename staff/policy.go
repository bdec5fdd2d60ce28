package staff

import "slices"

// Role is a staff role. A member may hold several.
type Role string

// The roles of the client contract.
const (
	Superadmin    Role = "superadmin"
	DeptAdmin     Role = "dept_admin"
	Editor        Role = "editor"
	Reviewer      Role = "reviewer"
	PointsOfficer Role = "points_officer"
	CreditOfficer Role = "credit_officer"
	Verifier      Role = "verifier"
	Auditor       Role = "auditor"
	// RequestOfficer works a department's desk of 民意速办: accepts,
	// transfers and answers residents' requests.
	RequestOfficer Role = "request_officer"
	// Dispatcher works the district's dispatch centre (民意速办智慧分拨中心):
	// dispatches what the responsibility list cannot place or a unit
	// returns, decides returns and extensions, urges and supervises units,
	// calls residents back. A district account (no department): its scope
	// is the whole district, limited to streets if given.
	Dispatcher Role = "dispatcher"
)

// Roles lists every role.
var Roles = []Role{Superadmin, DeptAdmin, Editor, Reviewer, PointsOfficer, CreditOfficer, Verifier, Auditor, RequestOfficer, Dispatcher}

// roleNames are the roles' Chinese names, as staff read them.
var roleNames = map[Role]string{
	Superadmin: "超级管理员", DeptAdmin: "部门管理员", Editor: "编辑", Reviewer: "审核员", PointsOfficer: "积分专员",
	CreditOfficer: "信用专员", Verifier: "核销员", Auditor: "审计员", RequestOfficer: "接诉专员", Dispatcher: "分拨中心",
}

// Name returns the role's Chinese name (exports and other text staff
// read); an unknown role is its code.
func (r Role) Name() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return string(r)
}

// Enum lists every role (check.Enumer): the document's enum of a role.
func (Role) Enum() []string {
	out := make([]string, len(Roles))
	for i, r := range Roles {
		out[i] = string(r)
	}
	return out
}

// Permission names one kind of staff action. Every admin route declares the
// permission it needs; Policy says which roles hold it. This table is the
// one authorization policy of the service.
type Permission string

// The permissions of the admin API.
const (
	ManageDepartments Permission = "departments.manage"
	ManageStaff       Permission = "staff.manage"
	ReadAudit         Permission = "audit.read"

	AwardPoints    Permission = "points.award"
	DeductPoints   Permission = "points.deduct"
	DecideAppeals  Permission = "points.appeals.decide"
	ManageRules    Permission = "points.rules.manage"
	ManageRewards  Permission = "rewards.manage"
	VerifyVouchers Permission = "rewards.verify"

	ManageEnterprises Permission = "enterprises.manage"
	WriteCredit       Permission = "credit.write"
	DecideBindings    Permission = "enterprises.bindings.decide"
	DecideObjections  Permission = "enterprises.objections.decide"
	ManageBenefits    Permission = "benefits.manage"
	// Credit repair (信用修复, issue 29): reviewing enterprises' repairs of
	// the department's records, and defining its repair courses.
	DecideRepairs       Permission = "credit.repairs.decide"
	ManageRepairCourses Permission = "credit.repairs.courses"

	WriteNotices  Permission = "notices.write"
	ReviewNotices Permission = "notices.review"
	ReadNotices   Permission = "notices.read"

	WriteSurveys Permission = "surveys.write"
	ReadSurveys  Permission = "surveys.read"

	ReadResidents Permission = "residents.read"

	HandleRequests Permission = "requests.handle" // the department's desk: queues, accept, transfer, answer
	ReadRequests   Permission = "requests.read"   // statistics and the district's routing data
	ManageRequests Permission = "requests.admin"  // categories, routing table, holiday calendar
	// ManageKnowledge maintains the department's knowledge base entries.
	ManageKnowledge Permission = "knowledge.manage"

	DispatchRequests  Permission = "requests.dispatch"  // the centre: dispatch, decide returns and extensions, urge, supervise, call back
	ManageDuties      Permission = "requests.duties"    // the responsibility list (职责清单) and the dispatch guide, the centre's settings
	AnswerSupervision Permission = "requests.supervise" // a unit's head answers a supervision letter (督办函)

	ResolveMembers Permission = "members.resolve"

	ManageActivities  Permission = "activities.manage"
	CheckInActivities Permission = "activities.checkin"
	ReadActivities    Permission = "activities.read"

	ReadJobs   Permission = "jobs.read"   // the job queue: failed and stuck jobs with their errors
	ManageJobs Permission = "jobs.manage" // retry or cancel a job

	ManageSettings Permission = "settings.manage" // what may change at run time: quiet hours, the daily cap, system messages' templates

	ReadRepairStats Permission = "stats.repairs" // the 法治 dashboard's repair statistics (学法修复, 信用修复): counts only
)

// Policy maps each permission to the roles that hold it. Superadmin holds
// every permission and is not listed.
var Policy = map[Permission][]Role{
	ManageDepartments: {},
	ManageStaff:       {DeptAdmin},
	ReadAudit:         {Auditor},

	AwardPoints:    {PointsOfficer, DeptAdmin},
	DeductPoints:   {PointsOfficer, DeptAdmin},
	DecideAppeals:  {PointsOfficer, DeptAdmin},
	ManageRules:    {PointsOfficer, DeptAdmin},
	ManageRewards:  {PointsOfficer, DeptAdmin},
	VerifyVouchers: {Verifier, PointsOfficer},

	ManageEnterprises: {CreditOfficer, DeptAdmin},
	WriteCredit:       {CreditOfficer},
	DecideBindings:    {CreditOfficer},
	DecideObjections:  {CreditOfficer},
	ManageBenefits:    {CreditOfficer, DeptAdmin},

	DecideRepairs:       {CreditOfficer},
	ManageRepairCourses: {CreditOfficer, DeptAdmin},

	WriteNotices:  {Editor, DeptAdmin},
	ReviewNotices: {Reviewer},
	ReadNotices:   {Editor, Reviewer, DeptAdmin, Auditor},

	WriteSurveys: {Editor, DeptAdmin},
	ReadSurveys:  {Editor, DeptAdmin, Auditor},

	ReadResidents: {DeptAdmin, PointsOfficer, Auditor},

	HandleRequests: {RequestOfficer, DeptAdmin},
	ReadRequests:   {RequestOfficer, DeptAdmin, Auditor, Dispatcher},
	ManageRequests: {},
	// The desks write the entries they quote; the department's admin too.
	ManageKnowledge: {RequestOfficer, DeptAdmin},

	DispatchRequests:  {Dispatcher},
	ManageDuties:      {Dispatcher},
	AnswerSupervision: {DeptAdmin},

	ResolveMembers: {Verifier, Editor, DeptAdmin, PointsOfficer},

	ManageActivities:  {Editor, DeptAdmin},
	CheckInActivities: {Verifier, Editor, DeptAdmin, PointsOfficer},
	ReadActivities:    {Editor, DeptAdmin, Verifier, PointsOfficer, Auditor},

	// The queue is the district's: a department's auditor lists no jobs
	// (they lie outside its scope), a district auditor every one.
	ReadJobs:   {Auditor},
	ManageJobs: {},

	ManageSettings: {},

	ReadRepairStats: {DeptAdmin, PointsOfficer, CreditOfficer, Auditor},
}

// Can reports whether m holds permission p.
// Enum lists every permission of Policy, sorted (check.Enumer).
func (Permission) Enum() []string {
	out := make([]string, 0, len(Policy))
	for p := range Policy {
		out = append(out, string(p))
	}
	slices.Sort(out)
	return out
}

func (m *Member) Can(p Permission) bool {
	if m == nil || m.Disabled {
		return false
	}
	if m.Has(Superadmin) {
		return true
	}
	for _, r := range Policy[p] {
		if m.Has(r) {
			return true
		}
	}
	return false
}

// Has reports whether m holds role r.
func (m *Member) Has(r Role) bool { return slices.Contains(m.Roles, r) }
