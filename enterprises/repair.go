package enterprises

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/surveys"
)

// RepairStatus is where a record's credit repair stands: none, the course
// (quiz) passed, the commitment submitted for review, approved or rejected.
type RepairStatus string

// Repair statuses.
const (
	RepairNone         RepairStatus = "none"
	RepairCoursePassed RepairStatus = "course_passed"
	RepairSubmitted    RepairStatus = "submitted"
	RepairApproved     RepairStatus = "approved"
	RepairRejected     RepairStatus = "rejected"
)

// Enum lists the statuses.
func (RepairStatus) Enum() []string {
	return []string{string(RepairNone), string(RepairCoursePassed), string(RepairSubmitted), string(RepairApproved), string(RepairRejected)}
}

// Errors of credit repair.
var (
	ErrRepairGone       = apperr.New(apperr.NotFound, "信用修复申请不存在")
	ErrRecordGone       = apperr.New(apperr.NotFound, "信用记录不存在")
	ErrRepairUnderWay   = apperr.New(apperr.Conflict, "该记录已有进行中的信用修复")
	ErrRepairNotStarted = apperr.New(apperr.Conflict, "请先完成修复课程（通过测验）")
	ErrRepairClosed     = apperr.New(apperr.Conflict, "该信用修复已审核，不能再修改")
	ErrRepairMoot       = apperr.New(apperr.Conflict, "该记录已不再计入信用评价，无需修复，请驳回")
)

// Repair is one credit repair of a record: the quiz a member passed, the
// commitment (信用承诺书) a member submitted, and the department's decision.
type Repair struct {
	ID             int64        `json:"id,string"`
	CreditRecordID int64        `json:"record_id,string"`
	EnterpriseID   int64        `json:"-"`
	DepartmentID   *int64       `json:"department_id,string" doc:"the record's department, which reviews the repair"`
	Kind           Kind         `json:"kind"`
	Severity       Severity     `json:"severity"`
	SurveyID       int64        `json:"survey_id,string" doc:"the course's quiz"`
	AttemptID      int64        `json:"attempt_id,string"`
	Score          int          `json:"score" doc:"the attempt's score, 0–100"`
	PassScore      int          `json:"pass_score" doc:"the course's pass mark when it was passed"`
	ResidentID     int64        `json:"resident_id,string" doc:"the member who passed the quiz"`
	PassedAt       time.Time    `json:"passed_at" doc:"when the quiz was submitted"`
	Commitment     string       `json:"commitment" doc:"the written commitment (信用承诺书); empty until submitted"`
	CommittedBy    *int64       `json:"committed_by,string" doc:"the member who submitted the commitment"`
	CommittedAt    *time.Time   `json:"committed_at"`
	Status         RepairStatus `json:"status"`
	OpenKey        *int64       `json:"-"` // the record's ID while under way or approved; nil once rejected (unique)
	DecidedBy      *int64       `json:"-"`
	DecidedAt      *time.Time   `json:"decided_at"`
	DecisionReason string       `json:"decision_reason" doc:"the officer's reason, which members read in the app (never pushed); empty until decided"`
	// OriginalExpiresAt is the record's publication end before an
	// approval; EndsAt the end the approval set.
	OriginalExpiresAt *time.Time `json:"original_expires_at" doc:"approved: the end of the record's publication period before the repair"`
	EndsAt            *time.Time `json:"ends_at" doc:"approved: the end of its publication period the repair set (the approval, or the end of the shortest publication period)"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// TableName maps Repair to its table.
func (Repair) TableName() string { return "credit_repairs" }

// RepairStart is a member's start of a record's repair: the quiz attempt
// that passed the course (the body of POST …/records/{id}/repair).
type RepairStart struct {
	AttemptID int64 `json:"attempt_id,string" binding:"required" example:"1" doc:"a submitted attempt of mine at the course's quiz (POST /surveys/{id}/attempts, then …/submit) scoring at least its pass mark, made after the record was recorded"`
}

// Commitment is a member's written commitment (the body of PUT
// …/records/{id}/repair/commitment).
type Commitment struct {
	Text string `json:"text" binding:"required,max=2000" example:"本企业承诺已整改到位，今后严格遵守食品安全相关法律法规。" doc:"the 信用承诺书 in the enterprise's words, at most 2,000 characters; the department reads it, nobody else"`
}

// recordOf loads an enterprise's credit record through q, locked with
// lock. Returns ErrRecordGone for an unknown one or another enterprise's.
func recordOf(q *gorm.DB, enterpriseID, recordID int64, lock bool) (*CreditRecord, error) {
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rec CreditRecord
	err := q.Take(&rec, "id = ? AND enterprise_id = ?", recordID, enterpriseID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrRecordGone
	}
	if err != nil {
		return nil, fmt.Errorf("find credit record: %w", err)
	}
	return &rec, nil
}

// repairsOf returns a record's repairs through q, newest first.
func repairsOf(q *gorm.DB, recordID int64) ([]Repair, error) {
	var rs []Repair
	if err := q.Where("credit_record_id = ?", recordID).Order("id DESC").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("find repairs: %w", err)
	}
	return rs, nil
}

// factsOf gathers the facts deciding whether rec may be repaired.
func factsOf(rec *CreditRecord, repairs []Repair, course *RepairCourse) repairFacts {
	f := repairFacts{Kind: rec.Kind, Severity: rec.Severity, OccurredAt: rec.OccurredAt, ExpiresAt: rec.ExpiresAt,
		Revoked: rec.RevokedAt != nil, HasCourse: course != nil}
	for _, r := range repairs {
		f.Repaired = f.Repaired || r.Status == RepairApproved
	}
	return f
}

// StartRepair records that a member of the enterprise passed the course of
// one of its records: the attempt must be theirs, at the course's quiz,
// submitted after the record was recorded and scoring the pass mark. It
// starts the record's repair (course_passed). The same attempt again
// answers the repair it started (created false).
//
// Returns ErrNotMember unless the resident is a bound member, ErrRecordGone
// for a record not the enterprise's, invalid_argument naming record_id for
// a record that cannot be repaired (the reason in words) and attempt_id for
// an attempt that does not pass the course, and ErrRepairUnderWay if
// another repair of the record is under way or approved.
func (s *Service) StartRepair(ctx context.Context, residentID int64, code string, recordID int64, in RepairStart) (*RecordRepair, bool, error) {
	if err := apperr.Fields(tagged(&in)); err != nil {
		return nil, false, err
	}
	e, err := s.memberOf(ctx, residentID, code)
	if err != nil {
		return nil, false, err
	}
	if s.quizzes == nil {
		return nil, false, errors.New("credit repair: no quiz source wired")
	}
	a, err := s.quizzes.Attempt(ctx, residentID, in.AttemptID)
	if errors.Is(err, surveys.ErrAttemptNotFound) {
		return nil, false, apperr.Field("attempt_id", "不是您的答题记录")
	}
	if err != nil {
		return nil, false, err
	}
	created := false
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		created = false
		rec, err := recordOf(tx, e.ID, recordID, true) // repairs of one record take turns
		if err != nil {
			return err
		}
		repairs, err := repairsOf(tx, rec.ID)
		if err != nil {
			return err
		}
		for _, r := range repairs {
			switch {
			case r.AttemptID == in.AttemptID && r.Status != RepairRejected:
				return nil // a repeat
			case r.AttemptID == in.AttemptID:
				return apperr.Field("attempt_id", "该次测验已用于一次未通过的修复申请，请重新参加测验")
			case r.Status != RepairRejected:
				return ErrRepairUnderWay
			}
		}
		course, err := courseFor(tx, rec.DepartmentID, rec.Kind)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if d := decideRepair(factsOf(rec, repairs, course), now); !d.Repairable {
			return apperr.Field("record_id", blockText[d.Block])
		}
		switch {
		case a.SurveyID != course.SurveyID:
			return apperr.Field("attempt_id", "不是该记录修复课程的测验")
		case a.Result == nil:
			return apperr.Field("attempt_id", "测验尚未提交")
		case a.Result.SubmittedAt.Before(rec.CreatedAt):
			return apperr.Field("attempt_id", "须在该记录登记之后完成修复课程")
		case a.Result.Score < course.PassScore:
			return apperr.Field("attempt_id", fmt.Sprintf("测验得分 %d，未达到修复课程的合格分 %d", a.Result.Score, course.PassScore))
		}
		var used int64
		if err := tx.Model(&Repair{}).Where("attempt_id = ?", in.AttemptID).Count(&used).Error; err != nil {
			return fmt.Errorf("find attempt's repair: %w", err)
		}
		if used > 0 {
			return apperr.Field("attempt_id", "该次测验已用于另一条记录的信用修复")
		}
		key := rec.ID
		r := Repair{CreditRecordID: rec.ID, EnterpriseID: e.ID, DepartmentID: rec.DepartmentID, Kind: rec.Kind, Severity: rec.Severity,
			SurveyID: a.SurveyID, AttemptID: in.AttemptID, Score: a.Result.Score, PassScore: course.PassScore, ResidentID: residentID,
			PassedAt: a.Result.SubmittedAt.UTC(), Status: RepairCoursePassed, OpenKey: &key, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			if db.IsDuplicate(err) {
				// Another start of this record (or with this attempt)
				// committed since our look: decide again on a fresh one.
				return fmt.Errorf("create repair: %w", db.ErrSerialization)
			}
			return fmt.Errorf("create repair: %w", err)
		}
		created = true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	v, err := s.recordRepair(ctx, e.ID, recordID)
	return v, created, err
}

// Commit stores a member's written commitment (信用承诺书) on the record's
// repair under way, submitting it for the department's review; while the
// review waits, a member may replace it. Returns ErrNotMember unless the
// resident is a bound member, ErrRecordGone for a record not the
// enterprise's, invalid_argument naming text for a blank or overlong one,
// ErrRepairNotStarted if no repair of the record is under way (pass the
// course first) and ErrRepairClosed once it was decided.
func (s *Service) Commit(ctx context.Context, residentID int64, code string, recordID int64, in Commitment) (*RecordRepair, error) {
	fields := tagged(&in)
	checkText(fields, "text", &in.Text, true)
	if err := apperr.Fields(fields); err != nil {
		return nil, err
	}
	e, err := s.memberOf(ctx, residentID, code)
	if err != nil {
		return nil, err
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		rec, err := recordOf(tx, e.ID, recordID, true)
		if err != nil {
			return err
		}
		repairs, err := repairsOf(tx, rec.ID)
		if err != nil {
			return err
		}
		if len(repairs) == 0 || repairs[0].Status == RepairRejected {
			return ErrRepairNotStarted
		}
		r := repairs[0]
		if r.Status == RepairApproved {
			return ErrRepairClosed
		}
		now := s.now().UTC()
		res := tx.Model(&Repair{}).Where("id = ? AND status IN ?", r.ID, []RepairStatus{RepairCoursePassed, RepairSubmitted}).
			Updates(map[string]any{"commitment": in.Text, "committed_by": residentID, "committed_at": now, "status": RepairSubmitted, "updated_at": now})
		if res.Error != nil {
			return fmt.Errorf("store commitment: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrRepairClosed
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.recordRepair(ctx, e.ID, recordID)
}

// blockText tells a member why a record cannot be repaired.
var blockText = map[RepairBlock]string{
	BlockNotAdverse: "表彰荣誉和纳税信用记录无需修复",
	BlockSerious:    "严重失信记录不适用信用修复",
	BlockRevoked:    "该记录已因异议成立撤销",
	BlockNotCounted: "该记录不在公示期内，不计入信用评价",
	BlockRepaired:   "该记录已完成信用修复",
	BlockNoCourse:   "记录部门尚未设置该类记录的修复课程",
}

// RecordRepair is what a member sees of one of the enterprise's adverse
// credit records and its credit repair (信用修复): whether it may be
// repaired, where the repair stands and what to do next; a repaired record
// shows when the repair was approved and when its publication would have
// ended.
type RecordRepair struct {
	RecordID   int64        `json:"record_id,string" doc:"the credit record (a factor's id while it counts)"`
	Kind       Kind         `json:"kind"`
	Severity   Severity     `json:"severity"`
	OccurredAt time.Time    `json:"occurred_at"`
	ExpiresAt  time.Time    `json:"expires_at" doc:"the end of its publication period (after an approved repair: the early end)"`
	Repairable bool         `json:"repairable" doc:"a repair may be started (or is under way)"`
	Block      RepairBlock  `json:"block" doc:"why it cannot be repaired; empty when it can"`
	Status     RepairStatus `json:"status" doc:"the newest repair's status (none: no repair yet)"`
	NextStep   string       `json:"next_step" doc:"what to do next, in Chinese (a fixed text)"`
	// Course is the course to complete while the record may be repaired.
	SurveyID  *int64 `json:"survey_id,string" doc:"the course's quiz (GET /surveys/{id}); null without a course"`
	PassScore *int   `json:"pass_score" doc:"the course's pass mark; null without a course"`
	// Repair is the newest repair of the record, if any.
	Repair *Repair `json:"repair" doc:"the newest repair; null before the first"`
	// RepairedAt and OriginalExpiresAt explain a repaired record.
	RepairedAt        *time.Time `json:"repaired_at" doc:"when a repair of it was approved"`
	OriginalExpiresAt *time.Time `json:"original_expires_at" doc:"a repaired record's publication end before the repair"`
}

// nextSteps are the fixed texts telling a member what to do next.
var nextSteps = map[RepairStatus]string{
	RepairNone:         "完成修复课程：参加测验并达到合格分，再提交信用承诺书。",
	RepairCoursePassed: "已通过修复课程，请提交信用承诺书。",
	RepairSubmitted:    "信用承诺书已提交，等待记录部门审核。",
	RepairApproved:     "信用修复已通过，该记录已提前结束公示。",
	RepairRejected:     "信用修复未通过，可查看审核说明，重新完成修复课程后再次申请。",
}

// repairView builds the member's view of rec from its repairs (newest
// first) and the course of its kind (nil: none).
func repairView(rec *CreditRecord, repairs []Repair, course *RepairCourse, now time.Time) RecordRepair {
	v := RecordRepair{RecordID: rec.ID, Kind: rec.Kind, Severity: rec.Severity, OccurredAt: rec.OccurredAt, ExpiresAt: rec.ExpiresAt, Status: RepairNone}
	if len(repairs) > 0 {
		r := repairs[0]
		v.Repair, v.Status = &r, r.Status
		if r.Status == RepairApproved {
			v.RepairedAt, v.OriginalExpiresAt = r.DecidedAt, r.OriginalExpiresAt
		}
	}
	d := decideRepair(factsOf(rec, repairs, course), now)
	v.Repairable, v.Block = d.Repairable, d.Block
	under := v.Status == RepairCoursePassed || v.Status == RepairSubmitted
	if under {
		v.Repairable, v.Block = true, BlockNone // under way: its review decides
	}
	switch {
	case v.Status == RepairApproved:
		v.NextStep = nextSteps[RepairApproved]
	case !v.Repairable:
		v.NextStep = blockText[v.Block]
	default:
		v.NextStep = nextSteps[v.Status]
	}
	if course != nil && v.Repairable {
		v.SurveyID, v.PassScore = &course.SurveyID, &course.PassScore
	}
	return v
}

// recordRepair returns the member's view of one record's repair.
func (s *Service) recordRepair(ctx context.Context, enterpriseID, recordID int64) (*RecordRepair, error) {
	q := s.db.WithContext(ctx)
	rec, err := recordOf(q, enterpriseID, recordID, false)
	if err != nil {
		return nil, err
	}
	repairs, err := repairsOf(q, rec.ID)
	if err != nil {
		return nil, err
	}
	course, err := courseFor(q, rec.DepartmentID, rec.Kind)
	if err != nil {
		return nil, err
	}
	v := repairView(rec, repairs, course, s.now().UTC())
	return &v, nil
}

// RecordRepairs lists for a member of the enterprise its adverse credit
// records that count now or were repaired, oldest first, each with its
// repair. Returns invalid_argument for a bad code, ErrNotFound for an
// unknown enterprise and ErrNotMember unless the resident is a member.
func (s *Service) RecordRepairs(ctx context.Context, residentID int64, code string) ([]RecordRepair, error) {
	e, err := s.memberOf(ctx, residentID, code)
	if err != nil {
		return nil, err
	}
	return s.recordRepairs(ctx, e.ID)
}

// recordRepairs lists an enterprise's adverse credit records that count
// now or were repaired, oldest first, each with its repair (the rating's
// explanation, GET /enterprises/{uscc}).
func (s *Service) recordRepairs(ctx context.Context, enterpriseID int64) ([]RecordRepair, error) {
	q := s.db.WithContext(ctx)
	now := s.now().UTC()
	var recs []CreditRecord
	err := q.Where("enterprise_id = ? AND revoked_at IS NULL AND kind IN ? AND occurred_at <= ?", enterpriseID, adverseKinds(), now).
		Where("expires_at > ? OR id IN (SELECT credit_record_id FROM credit_repairs WHERE enterprise_id = ? AND status = ?)",
			now, enterpriseID, RepairApproved).
		Order("id").Find(&recs).Error
	if err != nil {
		return nil, fmt.Errorf("find records to repair: %w", err)
	}
	out := []RecordRepair{}
	if len(recs) == 0 {
		return out, nil
	}
	var all []Repair
	if err := q.Where("enterprise_id = ?", enterpriseID).Order("id DESC").Find(&all).Error; err != nil {
		return nil, fmt.Errorf("find repairs: %w", err)
	}
	byRecord := map[int64][]Repair{}
	for _, r := range all {
		byRecord[r.CreditRecordID] = append(byRecord[r.CreditRecordID], r)
	}
	var courses []RepairCourse
	if err := q.Find(&courses).Error; err != nil {
		return nil, fmt.Errorf("find courses: %w", err)
	}
	for i := range recs {
		var course *RepairCourse
		for j := range courses {
			if courses[j].DeptKey == deptKey(recs[i].DepartmentID) && courses[j].Kind == recs[i].Kind {
				course = &courses[j]
			}
		}
		out = append(out, repairView(&recs[i], byRecord[recs[i].ID], course, now))
	}
	return out, nil
}

// adverseKinds are the kinds that lower the score.
func adverseKinds() []Kind {
	var out []Kind
	for _, k := range Kind("").Enum() {
		if !positive(Kind(k)) {
			out = append(out, Kind(k))
		}
	}
	return out
}

// repairTarget is the audit target of a repair.
func repairTarget(id int64) string { return strconv.FormatInt(id, 10) }
