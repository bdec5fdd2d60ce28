package requests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/staff"
)

// The work order (工单, issue 25). A request reaches a unit (a department
// or a street office) by the responsibility list (职责清单, the routing
// table: category × street → lead unit, with an optional assisting unit),
// or, when the list places it nowhere, waits in the dispatch centre's
// queue (StatusDispatching) until the centre dispatches it (派单). The
// unit signs for it (签收) within its category's limit in working hours,
// may send it back (退单) with a reason from a fixed list, which the centre
// re-dispatches or refuses, may ask for more working days (延期申请),
// which the centre approves (the deadline moves) or refuses; the centre
// urges units (催办; the system does too a working day before the
// deadline) and sends supervision letters (督办函) that the unit's head
// answers. An answer rated 不满意 (or drawn for a sample) is called back by
// the centre (回访) before 办结; 不满意 again sends it back to the same unit
// (重办). Every step is a transition of decide (transition.go), recorded in
// the request's history with its actor and reason.

// Reasons a unit may give for a return.
const (
	ReturnNotOurDuty       = "not_our_duty"      // 不属于本单位职责
	ReturnInsufficientInfo = "insufficient_info" // 诉求信息不全，无法办理
	ReturnDuplicate        = "duplicate"         // 重复诉求
	ReturnOutOfDistrict    = "out_of_district"   // 不属于本区管辖
	ReturnOther            = "other"             // 其他
)

// ReturnReasons are the reasons of a return with their labels, in order.
var ReturnReasons = []ReturnReason{
	{ReturnNotOurDuty, "不属于本单位职责"},
	{ReturnInsufficientInfo, "诉求信息不全，无法办理"},
	{ReturnDuplicate, "重复诉求"},
	{ReturnOutOfDistrict, "不属于本区管辖"},
	{ReturnOther, "其他"},
}

// ReturnReason is one reason of the fixed list.
type ReturnReason struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

func returnLabel(code string) string {
	for _, r := range ReturnReasons {
		if r.Code == code {
			return r.Label
		}
	}
	return ""
}

// States of a return and of an extension.
const (
	Pending  = "pending"
	Approved = "approved"
	Refused  = "refused"
)

// Kinds of urging.
const (
	UrgeKind      = "urge"      // 催办
	SuperviseKind = "supervise" // 督办函
)

// Limits of the centre's texts.
const (
	MaxInstruction       = 1000
	MaxSupervisionAnswer = 2000
	MaxGuide             = 2000
	MaxSignHours         = 10 * WorkdayHours
	MaxReturnsLimit      = 10
)

// Assignment is one stay of a request at a unit as its lead: from its
// arrival to when it left (a transfer, a return), with its sign-for
// deadline and when it was signed for.
type Assignment struct {
	ID             int64
	RequestID      int64
	DepartmentID   int64
	Street         string
	ArrivedAt      time.Time
	SignDeadlineAt time.Time
	SignedAt       *time.Time
	Returned       bool
	LeftAt         *time.Time
}

// TableName maps Assignment to request_assignments.
func (Assignment) TableName() string { return "request_assignments" }

// Return is a unit's return of a request (退单).
type Return struct {
	ID           int64      `json:"id,string"`
	RequestID    int64      `json:"request_id,string"`
	DepartmentID int64      `json:"department_id,string"`
	ReasonCode   ReturnCode `json:"reason_code"`
	Reason       string     `json:"reason"`
	FromStatus   string     `json:"-"`
	Status       Decision   `json:"status"`
	RequestedBy  int64      `json:"requested_by,string"`
	CreatedAt    time.Time  `json:"created_at"`
	DecidedBy    *int64     `json:"decided_by,string"`
	DecidedAt    *time.Time `json:"decided_at"`
	Note         string     `json:"note"`
}

// TableName maps Return to request_returns.
func (Return) TableName() string { return "request_returns" }

// Extension is a unit's request for more working days (延期申请).
type Extension struct {
	ID           int64      `json:"id,string"`
	RequestID    int64      `json:"request_id,string"`
	DepartmentID int64      `json:"department_id,string"`
	Days         int        `json:"days"`
	Reason       string     `json:"reason"`
	Status       Decision   `json:"status"`
	RequestedBy  int64      `json:"requested_by,string"`
	CreatedAt    time.Time  `json:"created_at"`
	DecidedBy    *int64     `json:"decided_by,string"`
	DecidedAt    *time.Time `json:"decided_at"`
	Note         string     `json:"note"`
	OldDeadline  time.Time  `json:"old_deadline"`
	NewDeadline  *time.Time `json:"new_deadline"`
}

// TableName maps Extension to request_extensions.
func (Extension) TableName() string { return "request_extensions" }

// Urge is a 催办 (Kind urge) or a supervision letter (督办函, Kind
// supervise: an instruction with its own deadline, answered by the unit's
// head).
type Urge struct {
	ID           int64      `json:"id,string"`
	RequestID    int64      `json:"request_id,string"`
	DepartmentID int64      `json:"department_id,string"`
	Street       string     `json:"street"`
	Kind         UrgeType   `json:"kind"`
	Auto         bool       `json:"auto"`
	Instruction  string     `json:"instruction"`
	DueAt        *time.Time `json:"due_at"`
	CreatedBy    int64      `json:"created_by,string"`
	CreatedAt    time.Time  `json:"created_at"`
	Answer       string     `json:"answer"`
	AnsweredBy   *int64     `json:"answered_by,string"`
	AnsweredAt   *time.Time `json:"answered_at"`
	// Overdue: a supervision letter not answered by its deadline.
	Overdue        bool   `json:"overdue" gorm:"-"`
	DepartmentName string `json:"department_name" gorm:"-"`
}

// TableName maps Urge to request_urges.
func (Urge) TableName() string { return "request_urges" }

// FlowSettings are the dispatch centre's settings.
type FlowSettings struct {
	ID int64 `json:"-"`
	// MaxReturns is how often one unit may return one request.
	MaxReturns int `json:"max_returns"`
	// CallbackSample is the share (percent, 0–100) of satisfied ratings
	// also called back (every 不满意 is).
	CallbackSample int       `json:"callback_sample"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// TableName maps FlowSettings to request_flow_settings.
func (FlowSettings) TableName() string { return "request_flow_settings" }

// Settings returns the centre's settings.
func (s *Service) Settings(ctx context.Context) (*FlowSettings, error) {
	var fs FlowSettings
	err := s.db.WithContext(ctx).Take(&fs, "id = 1").Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &FlowSettings{ID: 1, MaxReturns: 2}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("flow settings: %w", err)
	}
	return &fs, nil
}

// SaveSettings changes the centre's settings. Returns an invalid_argument
// error naming max_returns or callback_sample.
func (s *Service) SaveSettings(ctx context.Context, fs FlowSettings) (*FlowSettings, error) {
	f := map[string]string{}
	if fs.MaxReturns < 0 || fs.MaxReturns > MaxReturnsLimit {
		f["max_returns"] = "须为 0–" + strconv.Itoa(MaxReturnsLimit)
	}
	if fs.CallbackSample < 0 || fs.CallbackSample > 100 {
		f["callback_sample"] = "须为 0–100（百分比）"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	fs.ID, fs.UpdatedAt = 1, s.clock()
	staff.AuditTarget(ctx, "request-flow-settings", "1")
	staff.AuditDetail(ctx, fmt.Sprintf("max_returns %d, callback_sample %d", fs.MaxReturns, fs.CallbackSample))
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&FlowSettings{}).Where("id = 1").Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return tx.Create(&fs).Error
		}
		return tx.Model(&FlowSettings{}).Where("id = 1").Updates(map[string]any{
			"max_returns": fs.MaxReturns, "callback_sample": fs.CallbackSample, "updated_at": fs.UpdatedAt}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("save flow settings: %w", err)
	}
	return &fs, nil
}

// Guide is a category's dispatch guide (分拨指引) and sign-for limit, as
// the centre maintains them.
type Guide struct {
	Category  string    `json:"category"`
	Name      string    `json:"name"`
	SignHours int       `json:"sign_hours"`
	Guide     string    `json:"guide"`
	UpdatedAt time.Time `json:"updated_at"`
}

func guideOf(c Category) Guide {
	return Guide{Category: c.Code, Name: c.Name, SignHours: c.SignHours, Guide: c.Guide, UpdatedAt: c.UpdatedAt}
}

// Guides lists every category's dispatch guide and sign-for limit.
func (s *Service) Guides(ctx context.Context) ([]Guide, error) {
	cs, err := s.Categories(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]Guide, len(cs))
	for i, c := range cs {
		out[i] = guideOf(c)
	}
	return out, nil
}

// SaveGuide sets a category's dispatch guide (分拨指引, shown to the centre
// when dispatching) and its sign-for limit in working hours. Returns
// ErrNotFound for an unknown category, an invalid_argument error naming
// guide or sign_hours.
func (s *Service) SaveGuide(ctx context.Context, code, guide string, signHours int) (*Guide, error) {
	guide = strings.TrimSpace(guide)
	f := map[string]string{}
	if utf8.RuneCountInString(guide) > MaxGuide {
		f["guide"] = "不能多于 " + strconv.Itoa(MaxGuide) + " 个字"
	}
	if signHours < 1 || signHours > MaxSignHours {
		f["sign_hours"] = "须为 1–" + strconv.Itoa(MaxSignHours) + " 个工作小时"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	staff.AuditTarget(ctx, "request-category", code)
	staff.AuditDetail(ctx, "guide and sign_hours "+strconv.Itoa(signHours))
	res := s.db.WithContext(ctx).Model(&Category{}).Where("code = ?", code).
		Updates(map[string]any{"guide": guide, "sign_hours": signHours, "updated_at": s.clock()})
	if res.Error != nil {
		return nil, fmt.Errorf("save guide: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, apperr.New(apperr.NotFound, "类别不存在")
	}
	c, err := s.category(ctx, s.db, code)
	if err != nil || c == nil {
		return nil, err
	}
	g := guideOf(*c)
	return &g, nil
}

// signHours is a category's sign-for limit (one working day if unknown).
func (s *Service) signHours(ctx context.Context, code string) (int, error) {
	c, err := s.category(ctx, s.db, code)
	if err != nil || c == nil || c.SignHours < 1 {
		return WorkdayHours, err
	}
	return c.SignHours, nil
}

// arrive sets what a request's arrival at a unit sets: the unit, its
// sign-for deadline, the clock of escalation.
func arrive(upd map[string]any, dept int64, assist *int64, now, signBy time.Time) {
	upd["department_id"], upd["assist_department_id"] = dept, assist
	upd["arrived_at"], upd["escalated_at"] = now, nil
	upd["sign_deadline_at"], upd["signed_at"] = signBy, nil
}

// openAssignment starts r's stay at dept.
func openAssignment(tx *gorm.DB, r *Request, dept int64, now, signBy time.Time) error {
	return tx.Create(&Assignment{RequestID: r.ID, DepartmentID: dept, Street: r.Street, ArrivedAt: now, SignDeadlineAt: signBy}).Error
}

// leaveAssignment ends r's present stay (returned: by a return).
func leaveAssignment(tx *gorm.DB, id int64, now time.Time, returned bool) error {
	upd := map[string]any{"left_at": now}
	if returned {
		upd["returned"] = true
	}
	return tx.Model(&Assignment{}).Where("request_id = ? AND left_at IS NULL", id).Updates(upd).Error
}

// signAssignment records the sign-for on r's present stay.
func signAssignment(tx *gorm.DB, id int64, now time.Time) error {
	return tx.Model(&Assignment{}).Where("request_id = ? AND left_at IS NULL AND signed_at IS NULL", id).Update("signed_at", now).Error
}

// centreChange applies a change the dispatch centre makes.
func (s *Service) centreChange(ctx context.Context, m *staff.Member, id int64, ch change) (*StaffView, error) {
	sc := m.Scope()
	ch.ev.By, ch.ev.Now, ch.actorID, ch.scope = ByCentre, s.clock(), m.ID, &sc
	return s.view(ctx, ch, func(tx *gorm.DB) (*Request, error) { return inScope(tx, sc, id) })
}

// view applies ch to the request find loads and returns the staff view of
// the outcome (with the contact when ch's scope covers it).
func (s *Service) view(ctx context.Context, ch change, find func(tx *gorm.DB) (*Request, error)) (*StaffView, error) {
	r, err := s.apply(ctx, find, ch)
	if err != nil {
		return nil, err
	}
	show := ch.showsContact(r)
	s.settleNow(ctx, r)
	r, err = load(s.db.WithContext(ctx), r.ID)
	if err != nil {
		return nil, err
	}
	vs, err := s.buildViews(ctx, []Request{*r}, true)
	if err != nil {
		return nil, err
	}
	if show {
		if err := s.openContact(&vs[0], r); err != nil {
			return nil, err
		}
	}
	return &vs[0], nil
}

// optionalText checks an optional text of at most limit characters.
func optionalText(f map[string]string, field string, v *string, limit int) {
	*v = strings.TrimSpace(*v)
	if utf8.RuneCountInString(*v) > limit {
		f[field] = "不能多于 " + strconv.Itoa(limit) + " 个字"
	}
}

// requiredText checks a required text of at most limit characters.
func requiredText(f map[string]string, field string, v *string, limit int) {
	*v = strings.TrimSpace(*v)
	if c := utf8.RuneCountInString(*v); text.Blank(*v) || c > limit {
		f[field] = "须为 1–" + strconv.Itoa(limit) + " 个字"
	}
}

// Dispatch is the centre's 派单.
type Dispatch struct {
	Version      int64
	DepartmentID int64  // the lead unit
	AssistID     *int64 // the assisting unit (协办), optional
	Note         string
}

// Dispatch sends a request waiting at the centre (待分拨, or returned by a
// unit: the return is then approved) to a lead unit, with an optional
// assisting unit. The unit must sign for it within its category's limit.
// Returns an invalid_argument error naming department_id,
// assist_department_id or note; ErrWrongState for a request not at the
// centre.
func (s *Service) Dispatch(ctx context.Context, m *staff.Member, id int64, d Dispatch) (*StaffView, error) {
	f := map[string]string{}
	optionalText(f, "note", &d.Note, MaxReason)
	ids := []int64{d.DepartmentID}
	if d.AssistID != nil {
		ids = append(ids, *d.AssistID)
	}
	names, err := s.departmentNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	if _, ok := names[d.DepartmentID]; !ok {
		f["department_id"] = "部门不存在"
	}
	if d.AssistID != nil {
		if _, ok := names[*d.AssistID]; !ok {
			f["assist_department_id"] = "部门不存在"
		} else if *d.AssistID == d.DepartmentID {
			f["assist_department_id"] = "协办单位不能是主办单位"
		}
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var signBy time.Time
	return s.centreChange(ctx, m, id, change{ev: event{Action: ActDispatch}, version: d.Version,
		fill: func(r *Request, upd map[string]any, e *Event) error {
			if r.Status == StatusReturned && r.DepartmentID != nil && *r.DepartmentID == d.DepartmentID {
				return apperr.Field("department_id", "不能派回退单的单位；如须其办理，请驳回退单")
			}
			hours, err := s.signHours(ctx, r.Category)
			if err != nil {
				return err
			}
			signBy = cal.AddWorkingHours(e.CreatedAt, hours)
			arrive(upd, d.DepartmentID, d.AssistID, e.CreatedAt, signBy)
			e.FromDepartmentID, e.ToDepartmentID, e.Reason = r.DepartmentID, &d.DepartmentID, d.Note
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error {
			if r.Status == StatusReturned {
				res := tx.Model(&Return{}).Where("request_id = ? AND status = ?", r.ID, Pending).Updates(map[string]any{
					"status": Approved, "decided_by": m.ID, "decided_at": e.CreatedAt, "note": d.Note})
				if res.Error != nil {
					return res.Error
				}
			}
			return openAssignment(tx, r, d.DepartmentID, e.CreatedAt, signBy)
		}})
}

// Sign is the unit's 签收 of a request that reached it. A sign-for after
// the category's limit counts as late in the statistics.
func (s *Service) Sign(ctx context.Context, m *staff.Member, id, version int64) (*StaffView, error) {
	return s.staffChange(ctx, m, id, change{ev: event{Action: ActSign}, version: version,
		fill: func(r *Request, upd map[string]any, e *Event) error {
			upd["signed_at"] = e.CreatedAt
			e.ToDepartmentID = r.DepartmentID
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error { return signAssignment(tx, r.ID, e.CreatedAt) }})
}

// ReturnInput is a unit's 退单.
type ReturnInput struct {
	Version    int64
	ReasonCode string // one of ReturnReasons
	Reason     string // what the unit says
}

// Return sends a request the unit has not accepted back to the dispatch
// centre, with a reason from ReturnReasons and a text. A unit may return
// one request at most FlowSettings.MaxReturns times (ErrReturnsUsed).
// Returns an invalid_argument error naming reason_code or reason.
func (s *Service) Return(ctx context.Context, m *staff.Member, id int64, in ReturnInput) (*StaffView, error) {
	f := map[string]string{}
	if returnLabel(in.ReasonCode) == "" {
		f["reason_code"] = "须为 not_our_duty、insufficient_info、duplicate、out_of_district 或 other"
	}
	requiredText(f, "reason", &in.Reason, MaxReason)
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return s.staffChange(ctx, m, id, change{ev: event{Action: ActReturn}, version: in.Version,
		more: func(tx *gorm.DB, r *Request, f *facts) error {
			f.MaxReturns = set.MaxReturns
			if r.DepartmentID == nil {
				return nil
			}
			var n int64
			err := tx.Model(&Return{}).Where("request_id = ? AND department_id = ?", r.ID, *r.DepartmentID).Count(&n).Error
			f.UnitReturns = int(n)
			return err
		},
		fill: func(r *Request, upd map[string]any, e *Event) error {
			e.FromDepartmentID, e.Reason = r.DepartmentID, returnLabel(in.ReasonCode)+"："+in.Reason
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error {
			if err := tx.Create(&Return{RequestID: r.ID, DepartmentID: *r.DepartmentID, ReasonCode: ReturnCode(in.ReasonCode), Reason: in.Reason,
				FromStatus: r.Status, Status: Pending, RequestedBy: m.ID, CreatedAt: e.CreatedAt}).Error; err != nil {
				return err
			}
			return leaveAssignment(tx, r.ID, e.CreatedAt, true)
		}})
}

// pendingReturn loads a request's return waiting for the centre.
func pendingReturn(tx *gorm.DB, id int64) (*Return, error) {
	var ret Return
	err := tx.Where("request_id = ? AND status = ?", id, Pending).Order("id DESC").Take(&ret).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &ret, err
}

// RefuseReturn is the centre's refusal of a unit's return, with the reason
// (note, required): the request goes back to that unit, to be signed for
// (with a new limit) if it had not been, else signed as it was.
func (s *Service) RefuseReturn(ctx context.Context, m *staff.Member, id, version int64, note string) (*StaffView, error) {
	f := map[string]string{}
	requiredText(f, "note", &note, MaxReason)
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var signBy *time.Time
	return s.centreChange(ctx, m, id, change{ev: event{Action: ActRefuseReturn}, version: version,
		more: func(tx *gorm.DB, r *Request, f *facts) error {
			ret, err := pendingReturn(tx, r.ID)
			if ret != nil {
				f.ReturnFrom = ret.FromStatus
			}
			return err
		},
		fill: func(r *Request, upd map[string]any, e *Event) error {
			upd["arrived_at"], upd["escalated_at"] = e.CreatedAt, nil
			if upd["status"] == StatusDispatched {
				hours, err := s.signHours(ctx, r.Category)
				if err != nil {
					return err
				}
				t := cal.AddWorkingHours(e.CreatedAt, hours)
				signBy = &t
				upd["sign_deadline_at"], upd["signed_at"] = t, nil
			}
			e.ToDepartmentID, e.Reason = r.DepartmentID, note
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error {
			res := tx.Model(&Return{}).Where("request_id = ? AND status = ?", r.ID, Pending).Updates(map[string]any{
				"status": Refused, "decided_by": m.ID, "decided_at": e.CreatedAt, "note": note})
			if res.Error != nil {
				return res.Error
			}
			// The unit's stay goes on (the return still counts).
			var last Assignment
			if err := tx.Where("request_id = ? AND department_id = ?", r.ID, *r.DepartmentID).Order("id DESC").Take(&last).Error; err != nil {
				return err
			}
			upd := map[string]any{"left_at": nil}
			if signBy != nil {
				upd["sign_deadline_at"] = *signBy
			}
			return tx.Model(&Assignment{}).Where("id = ?", last.ID).Updates(upd).Error
		}})
}

// pendingExtension loads a request's extension waiting for the centre.
func pendingExtension(tx *gorm.DB, id int64) (*Extension, error) {
	var x Extension
	err := tx.Where("request_id = ? AND status = ?", id, Pending).Order("id DESC").Take(&x).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &x, err
}

// AskExtension is the unit's 延期申请: days more working days, with a
// reason. The deadline moves only when the centre approves. Returns an
// invalid_argument error naming days or reason, ErrExtensionPending while
// another waits.
func (s *Service) AskExtension(ctx context.Context, m *staff.Member, id int64, days int, reason string) (*StaffView, error) {
	f := map[string]string{}
	requiredText(f, "reason", &reason, MaxReason)
	if days < 1 || days > MaxExtensionDays {
		f["days"] = "须为 1–" + strconv.Itoa(MaxExtensionDays) + " 个工作日"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	return s.staffChange(ctx, m, id, change{ev: event{Action: ActAskExtension, Days: days}, keepVersion: true,
		more: func(tx *gorm.DB, r *Request, f *facts) error {
			x, err := pendingExtension(tx, r.ID)
			f.ExtensionPending = x != nil
			return err
		},
		fill: func(r *Request, upd map[string]any, e *Event) error {
			e.ToDepartmentID, e.Reason = r.DepartmentID, strconv.Itoa(days)+" 个工作日："+reason
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error {
			return tx.Create(&Extension{RequestID: r.ID, DepartmentID: *r.DepartmentID, Days: days, Reason: reason,
				Status: Pending, RequestedBy: m.ID, CreatedAt: e.CreatedAt, OldDeadline: r.DeadlineAt}).Error
		}})
}

// DecideExtension is the centre's decision on a unit's extension, with an
// optional note: approved, the deadline moves by the days asked (counted
// from the present deadline) and the resident is told the new one;
// refused, it stays. ErrNoExtension when none waits.
func (s *Service) DecideExtension(ctx context.Context, m *staff.Member, id int64, approve bool, note string) (*StaffView, error) {
	f := map[string]string{}
	optionalText(f, "note", &note, MaxReason)
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	act := ActRefuseExt
	if approve {
		act = ActApproveExt
	}
	var x *Extension
	var moved time.Time
	return s.centreChange(ctx, m, id, change{ev: event{Action: act}, keepVersion: true,
		more: func(tx *gorm.DB, r *Request, f *facts) error {
			var err error
			x, err = pendingExtension(tx, r.ID)
			f.ExtensionPending = x != nil
			return err
		},
		fill: func(r *Request, upd map[string]any, e *Event) error {
			e.ToDepartmentID, e.Reason = r.DepartmentID, note
			if approve {
				moved = cal.Deadline(r.DeadlineAt.Add(-time.Nanosecond), x.Days)
				upd["deadline_at"], upd["extended_days"] = moved, r.ExtendedDays+x.Days
			}
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error {
			upd := map[string]any{"status": Refused, "decided_by": m.ID, "decided_at": e.CreatedAt, "note": note}
			if approve {
				upd["status"], upd["new_deadline"] = Approved, moved
			}
			res := tx.Model(&Extension{}).Where("id = ? AND status = ?", x.ID, Pending).Updates(upd)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return ErrNoExtension
			}
			if approve {
				return enqueueFlowNotice(tx, r.ID, flowExtended, x.ID)
			}
			return nil
		}})
}

// Urge is the centre's 催办 of the unit a request is at, with an optional
// note; the request's count of urgings grows.
func (s *Service) Urge(ctx context.Context, m *staff.Member, id int64, note string) (*StaffView, error) {
	f := map[string]string{}
	optionalText(f, "note", &note, MaxInstruction)
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	return s.centreChange(ctx, m, id, urgeChange(m.ID, note, false))
}

func urgeChange(actor int64, note string, auto bool) change {
	return change{ev: event{Action: ActUrge}, keepVersion: true,
		fill: func(r *Request, upd map[string]any, e *Event) error {
			upd["urges"] = r.Urges + 1
			if auto {
				upd["auto_urged_for"] = r.DeadlineAt
			}
			e.ToDepartmentID, e.Reason = r.DepartmentID, note
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error {
			return tx.Create(&Urge{RequestID: r.ID, DepartmentID: *r.DepartmentID, Street: r.Street, Kind: UrgeKind, Auto: auto,
				Instruction: note, CreatedBy: actor, CreatedAt: e.CreatedAt}).Error
		}}
}

// Supervise sends the unit a request is at a supervision letter (督办函):
// an instruction and its own deadline, which the unit's head answers.
// Returns an invalid_argument error naming instruction or due_at (not in
// the future).
func (s *Service) Supervise(ctx context.Context, m *staff.Member, id int64, instruction string, due time.Time) (*StaffView, error) {
	f := map[string]string{}
	requiredText(f, "instruction", &instruction, MaxInstruction)
	if !due.After(s.clock()) {
		f["due_at"] = "须晚于现在"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	due = due.UTC()
	return s.centreChange(ctx, m, id, change{ev: event{Action: ActSupervise}, keepVersion: true,
		fill: func(r *Request, upd map[string]any, e *Event) error {
			e.ToDepartmentID, e.Reason = r.DepartmentID, instruction
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error {
			return tx.Create(&Urge{RequestID: r.ID, DepartmentID: *r.DepartmentID, Street: r.Street, Kind: SuperviseKind,
				Instruction: instruction, DueAt: &due, CreatedBy: m.ID, CreatedAt: e.CreatedAt}).Error
		}})
}

// ErrSupervisionAnswered is a second answer to a supervision letter.
var ErrSupervisionAnswered = apperr.New(apperr.Conflict, "该督办函已答复")

// ErrSupervisionNotFound is a supervision letter that does not exist or
// lies outside the caller's scope.
var ErrSupervisionNotFound = apperr.New(apperr.NotFound, "督办函不存在")

// decideSupervisionAnswer says whether letter u may be answered now.
func decideSupervisionAnswer(u Urge) error {
	switch {
	case u.Kind != SuperviseKind:
		return ErrSupervisionNotFound
	case u.AnsweredAt != nil:
		return ErrSupervisionAnswered
	}
	return nil
}

// AnswerSupervision is the unit head's answer to a supervision letter of
// their unit. Returns ErrSupervisionNotFound outside the member's scope,
// ErrSupervisionAnswered for a second answer.
func (s *Service) AnswerSupervision(ctx context.Context, m *staff.Member, letterID int64, answer string) (*Urge, error) {
	f := map[string]string{}
	requiredText(f, "answer", &answer, MaxSupervisionAnswer)
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	sc := m.Scope()
	now := s.clock()
	var out Urge
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var u Urge
		err := tx.Take(&u, "id = ?", letterID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !sc.Covers(&u.DepartmentID, u.Street)) {
			return ErrSupervisionNotFound
		}
		if err != nil {
			return err
		}
		if err := decideSupervisionAnswer(u); err != nil {
			return err
		}
		res := tx.Model(&Urge{}).Where("id = ? AND answered_at IS NULL", u.ID).
			Updates(map[string]any{"answer": answer, "answered_by": m.ID, "answered_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrSupervisionAnswered
		}
		staff.AuditTarget(ctx, "request", strconv.FormatInt(u.RequestID, 10))
		staff.AuditDetail(ctx, "supervision "+strconv.FormatInt(u.ID, 10)+" answered")
		if err := tx.Create(&Event{RequestID: u.RequestID, Action: ActAnswerSupervis, ActorID: m.ID,
			ToDepartmentID: &u.DepartmentID, Reason: answer, CreatedAt: now}).Error; err != nil {
			return err
		}
		return tx.Take(&out, "id = ?", u.ID).Error
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("answer supervision: %w", err)
	}
	s.finishUrges([]Urge{out}, now)
	names, err := s.departmentNames(ctx, []int64{out.DepartmentID})
	out.DepartmentName = names[out.DepartmentID]
	return &out, err
}

// SupervisionFilter selects supervision letters.
type SupervisionFilter struct {
	State  string // "" all, "open" (not answered), "answered"
	Before int64
	Limit  int
}

// Supervisions lists the supervision letters (督办函) in the member's
// scope, newest first: the centre sees every one, a unit its own.
func (s *Service) Supervisions(ctx context.Context, m *staff.Member, sf SupervisionFilter) ([]Urge, int64, error) {
	q := m.Scope().Filter(s.db.WithContext(ctx).Model(&Urge{}), staff.Columns{Street: "street", Department: "department_id"}).
		Where("kind = ?", SuperviseKind)
	switch sf.State {
	case "":
	case "open":
		q = q.Where("answered_at IS NULL")
	case "answered":
		q = q.Where("answered_at IS NOT NULL")
	default:
		return nil, 0, apperr.Field("state", "须为 open 或 answered")
	}
	if sf.Before > 0 {
		q = q.Where("id < ?", sf.Before)
	}
	var us []Urge
	if err := q.Order("id DESC").Limit(sf.Limit + 1).Find(&us).Error; err != nil {
		return nil, 0, fmt.Errorf("supervisions: %w", err)
	}
	var next int64
	if len(us) > sf.Limit {
		us = us[:sf.Limit]
		next = us[len(us)-1].ID
	}
	s.finishUrges(us, s.clock())
	ids := make([]int64, len(us))
	for i, u := range us {
		ids[i] = u.DepartmentID
	}
	names, err := s.departmentNames(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	for i := range us {
		us[i].DepartmentName = names[us[i].DepartmentID]
	}
	return us, next, nil
}

func (s *Service) finishUrges(us []Urge, now time.Time) {
	for i := range us {
		u := &us[i]
		u.Overdue = u.Kind == SuperviseKind && u.DueAt != nil &&
			((u.AnsweredAt == nil && now.After(*u.DueAt)) || (u.AnsweredAt != nil && u.AnsweredAt.After(*u.DueAt)))
	}
}

// CallBack records the centre's call-back (回访) of a request waiting for
// it, with the result and an optional note: satisfied closes it (办结);
// unsatisfied sends it back to the same unit (重办, with a new deadline;
// the resident is told) once, after which it closes.
func (s *Service) CallBack(ctx context.Context, m *staff.Member, id, version int64, result, note string) (*StaffView, error) {
	f := map[string]string{}
	optionalText(f, "note", &note, MaxReason)
	if result != CallbackSatisfied && result != CallbackUnsatisfied {
		f["result"] = "须为 satisfied 或 unsatisfied"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var redo bool
	return s.centreChange(ctx, m, id, change{ev: event{Action: ActCallback, Result: result}, version: version,
		fill: func(r *Request, upd map[string]any, e *Event) error {
			now := e.CreatedAt
			upd["callback_at"], upd["callback_result"] = now, result
			e.ToDepartmentID, e.Reason = r.DepartmentID, note
			if upd["status"] == StatusClosed {
				upd["closed_at"] = now
				return nil
			}
			redo = true
			days := 5
			cat, err := s.category(ctx, s.db, r.Category)
			if err != nil {
				return err
			}
			if cat != nil {
				days = cat.DeadlineDays
			}
			upd["redone"], upd["deadline_at"], upd["arrived_at"] = r.Redone+1, cal.Deadline(now, days), now
			upd["answer_noticed_at"] = nil
			e.Action = ActRedo
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error {
			if redo {
				return enqueueFlowNotice(tx, r.ID, flowRedone, int64(r.Redone+1))
			}
			return nil
		}})
}

// AutoUrge urges (催办, by the system) the units of requests whose
// deadline is one working day away, once per deadline (an approved
// extension gives a new one). It returns how many it urged.
func (s *Service) AutoUrge(ctx context.Context) (int, error) {
	cal, err := s.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	now := s.clock()
	var rows []Request
	// One working day away is at most a few calendar days (weekends,
	// holidays): the exact test is dueForAutoUrge.
	err = s.db.WithContext(ctx).Where("status IN ? AND department_id IS NOT NULL AND erased_at IS NULL AND deadline_at > ? AND deadline_at < ?",
		atUnit, now, now.Add(15*24*time.Hour)).
		Where("auto_urged_for IS NULL OR auto_urged_for <> deadline_at").Order("deadline_at").Limit(500).Find(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("auto urge: %w", err)
	}
	n := 0
	for _, r := range rows {
		if !dueForAutoUrge(cal, now, r.DeadlineAt, r.AutoUrgedFor) {
			continue
		}
		ch := urgeChange(0, "", true)
		ch.ev.By, ch.ev.Now = BySystem, now
		deadline := r.DeadlineAt
		_, err := s.apply(ctx, func(tx *gorm.DB) (*Request, error) {
			cur, err := load(tx, r.ID)
			if err == nil && (!cur.DeadlineAt.Equal(deadline) || (cur.AutoUrgedFor != nil && cur.AutoUrgedFor.Equal(deadline))) {
				return nil, ErrStale // extended or urged meanwhile
			}
			return cur, err
		}, ch)
		if errors.Is(err, ErrStale) || errors.Is(err, ErrWrongState) || errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ReturnsOf lists a request's returns and ExtensionsOf its extensions,
// oldest first.
func (s *Service) flowRecords(ctx context.Context, ids []int64) (map[int64][]Return, map[int64][]Extension, map[int64][]Urge, error) {
	rets, exts, urges := map[int64][]Return{}, map[int64][]Extension{}, map[int64][]Urge{}
	if len(ids) == 0 {
		return rets, exts, urges, nil
	}
	q := s.db.WithContext(ctx)
	var rs []Return
	if err := q.Where("request_id IN ?", ids).Order("id").Find(&rs).Error; err != nil {
		return nil, nil, nil, fmt.Errorf("load returns: %w", err)
	}
	for _, r := range rs {
		rets[r.RequestID] = append(rets[r.RequestID], r)
	}
	var xs []Extension
	if err := q.Where("request_id IN ?", ids).Order("id").Find(&xs).Error; err != nil {
		return nil, nil, nil, fmt.Errorf("load extensions: %w", err)
	}
	for _, x := range xs {
		exts[x.RequestID] = append(exts[x.RequestID], x)
	}
	var us []Urge
	if err := q.Where("request_id IN ? AND kind = ?", ids, SuperviseKind).Order("id").Find(&us).Error; err != nil {
		return nil, nil, nil, fmt.Errorf("load supervisions: %w", err)
	}
	s.finishUrges(us, s.clock())
	for _, u := range us {
		urges[u.RequestID] = append(urges[u.RequestID], u)
	}
	return rets, exts, urges, nil
}

// internalActions are the steps of the work order residents do not see
// in their request's history (the units' and the centre's own business).
var internalActions = []string{ActReturn, ActRefuseReturn, ActAskExtension, ActRefuseExt, ActUrge, ActSupervise,
	ActAnswerSupervis, ActEscalate, ActSign}

// residentEvent reports whether a resident sees e in their history, and
// blanks what staff wrote in it that is not for them.
func residentEvent(e *Event) bool {
	if slices.Contains(internalActions, string(e.Action)) {
		return false
	}
	switch e.Action {
	case ActDispatch, ActApproveExt, ActCallback, ActRedo:
		e.Reason = ""
	}
	return true
}
