package points

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/jobs"
)

// 学法修复, the residents' side (issue 29): a deduction under a repairable
// deduction rule gets a repair row fixing the course's terms when it is
// recorded. The resident starts the course (StartRepair: a quiz attempt
// from the surveys module, in the repair's transaction); the surveys
// module enqueues JobRepair in the transaction that stores a passing
// result; runRepair restores the share once (the ledger's unique idem
// "repair/<deduction>" and the repair row's status both say so).

// JobRepair is the kind of the job that restores a repaired deduction's
// share after its quiz was passed. Its key is the course reference,
// RepairRef(deduction): one job per deduction.
const JobRepair = "points.repair"

// RepairRef is the course reference of deduction id's repair: the quiz
// attempts carry it and the restoring job is keyed by it.
func RepairRef(deductionID int64) string { return "deduction:" + strconv.FormatInt(deductionID, 10) }

// RepairQuiz is the quiz a repair asks the quiz module to start.
type RepairQuiz struct {
	Key          string // the course: one quiz per rule and terms
	Title        string
	DepartmentID *int64
	Tag          string
	Questions    int
	PassScore    int
	Ref          string    // RepairRef: what a pass enqueues JobRepair under
	Job          string    // JobRepair
	Until        time.Time // no attempt runs past it (the repair's deadline)
}

// QuizStarter starts a quiz attempt of q for a resident in tx and returns
// its ID (surveys.(*Service).StartCourseTx, adapted by app).
type QuizStarter func(tx *gorm.DB, residentID int64, q RepairQuiz) (attemptID int64, err error)

// repair is a deduction's repair course as recorded with it.
type repair struct {
	DeductionID  int64 `gorm:"primaryKey;autoIncrement:false"`
	ResidentID   int64
	DepartmentID *int64
	RuleCode     string
	Tag          string
	Questions    int
	PassScore    int
	Share        int
	Points       int64 // what a pass restores
	Deadline     time.Time
	Status       RepairStatus
	Attempts     int
	AttemptID    *int64
	StartedAt    *time.Time
	PassedAt     *time.Time
	RepairedAt   *time.Time
	Restored     int64
	CreatedAt    time.Time
}

func (repair) TableName() string { return "point_repairs" }

// RepairView is a deduction's repair course and where it stands, as the
// resident's ledger and the officers' lists show it.
type RepairView struct {
	Status       RepairStatus `json:"status"`
	Available    bool         `json:"available" doc:"the resident may start the course (or take the quiz again) now: POST /points/deductions/{id}/repair"`
	Deadline     time.Time    `json:"deadline" doc:"the end of the window (exclusive), the same as the appeal deadline: a quiz must be passed before it"`
	Points       int64        `json:"points" doc:"what a pass restores: share_percent of the deducted points, rounded half up"`
	SharePercent int          `json:"share_percent"`
	PassScore    int          `json:"pass_score" doc:"the quiz's pass mark (score 0–100)"`
	Questions    int          `json:"questions" doc:"questions per attempt"`
	Attempts     int          `json:"attempts" doc:"quiz attempts started"`
	AttemptID    *int64       `json:"attempt_id,string" doc:"the latest quiz attempt (GET /attempts/{id}); null before the first"`
	StartedAt    *time.Time   `json:"started_at" doc:"when the first attempt was started"`
	RepairedAt   *time.Time   `json:"repaired_at" doc:"repaired: when the points were restored"`
	Restored     int64        `json:"restored" doc:"points restored (0 unless repaired)"`
}

func (r *repair) view(appeal AppealStatus, now time.Time) *RepairView {
	f := repairFacts{Status: r.Status, Points: r.Points, Deadline: r.Deadline.UTC(), Appeal: appeal, Now: now}
	return &RepairView{
		Status: r.Status, Available: decideRepairStart(f) == nil, Deadline: r.Deadline.UTC(), Points: r.Points,
		SharePercent: r.Share, PassScore: r.PassScore, Questions: r.Questions, Attempts: r.Attempts, AttemptID: r.AttemptID,
		StartedAt: utc(r.StartedAt), RepairedAt: utc(r.RepairedAt), Restored: r.Restored,
	}
}

// newRepair is the repair course of deduction t under rule r, or nil when
// the rule offers none or it would restore nothing.
func newRepair(t *Transaction, r *Rule) *repair {
	if r == nil || r.Kind != DeductRule || !r.Repair.Repairable {
		return nil
	}
	n := RestoredPoints(-t.Delta, r.Repair.SharePercent)
	if n <= 0 {
		return nil
	}
	return &repair{
		DeductionID: t.ID, ResidentID: t.ResidentID, DepartmentID: t.DepartmentID, RuleCode: r.Code, Tag: r.Repair.Tag,
		Questions: r.Repair.Questions, PassScore: r.Repair.PassScore, Share: r.Repair.SharePercent, Points: n,
		Deadline: deadlineOf(t), Status: RepairNone, CreatedAt: t.CreatedAt,
	}
}

// appealOf returns the status of the appeal against deduction id ("" for none).
func appealOf(tx *gorm.DB, id int64) (AppealStatus, error) {
	var st []AppealStatus
	if err := tx.Table("point_appeals").Where("transaction_id = ?", id).Limit(1).Pluck("status", &st).Error; err != nil {
		return "", err
	}
	if len(st) == 0 {
		return "", nil
	}
	return st[0], nil
}

// findRepair returns deduction id's repair, or nil.
func findRepair(tx *gorm.DB, id int64) (*repair, error) {
	var rs []repair
	if err := tx.Where("deduction_id = ?", id).Limit(1).Find(&rs).Error; err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, nil
	}
	return &rs[0], nil
}

// StartedRepair is what starting a repair gives: the repair and the quiz
// attempt to answer (POST /attempts/{id}/submit).
type StartedRepair struct {
	Repair    *RepairView
	AttemptID int64
}

// StartRepair starts the repair course of a resident's own deduction (or
// another quiz attempt of a course started before): in one transaction,
// under the resident's lock, it decides (decideRepairStart), starts a quiz
// attempt drawn from the course's tag, whose deadline is at most the
// repair's, and marks the repair started. Returns ErrNotFound for anything
// but the resident's own deduction, ErrNotRepairable for a deduction whose
// rule offers no repair, and the refusals of decideRepairStart.
func (s *Service) StartRepair(ctx context.Context, residentID, deductionID int64) (*StartedRepair, error) {
	if s.quizzes == nil {
		return nil, ErrNotRepairable
	}
	var out *StartedRepair
	err := s.transact(ctx, func(tx *gorm.DB) error {
		out = nil
		if _, err := s.lock(tx, residentID); err != nil {
			return err
		}
		var ts []Transaction
		if err := tx.Where("id = ? AND resident_id = ? AND kind = ?", deductionID, residentID, Deduct).Limit(1).Find(&ts).Error; err != nil {
			return err
		}
		if len(ts) == 0 {
			return ErrNotFound
		}
		r, err := findRepair(tx, deductionID)
		if err != nil {
			return err
		}
		if r == nil {
			return ErrNotRepairable
		}
		appeal, err := appealOf(tx, deductionID)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if err := decideRepairStart(repairFacts{Status: r.Status, Points: r.Points, Deadline: r.Deadline.UTC(), Appeal: appeal, Now: now}); err != nil {
			return err
		}
		title := "学法修复"
		var names []string
		if err := tx.Table("point_rules").Where("code = ?", r.RuleCode).Limit(1).Pluck("name", &names).Error; err != nil {
			return err
		}
		if len(names) == 1 {
			title += "：" + names[0]
		}
		attemptID, err := s.quizzes(tx, residentID, RepairQuiz{
			Key:   fmt.Sprintf("points-repair:%s:%d:%d:%s", r.RuleCode, r.Questions, r.PassScore, r.Tag),
			Title: title, DepartmentID: r.DepartmentID, Tag: r.Tag, Questions: r.Questions, PassScore: r.PassScore,
			Ref: RepairRef(deductionID), Job: JobRepair, Until: r.Deadline.UTC(),
		})
		if err != nil {
			return err
		}
		if r.Status == RepairNone {
			r.Status, r.StartedAt = RepairStarted, &now
		}
		r.Attempts++
		r.AttemptID = &attemptID
		res := tx.Model(&repair{}).Where("deduction_id = ? AND status IN ?", deductionID, []RepairStatus{RepairNone, RepairStarted}).
			Updates(map[string]any{"status": r.Status, "started_at": r.StartedAt, "attempts": r.Attempts, "attempt_id": attemptID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrRepairDone
		}
		out = &StartedRepair{Repair: r.view(appeal, now), AttemptID: attemptID}
		return nil
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("start repair: %w", err)
	}
	return out, nil
}

// RegisterJobs registers the handlers of the kinds points owns with q.
func (s *Service) RegisterJobs(q *jobs.Queue) {
	q.Register(JobRepair, s.runRepair)
}

// repairPassed is the payload of a JobRepair, as the quiz module writes it
// when an attempt of the course passes (surveys.CoursePassed).
type repairPassed struct {
	Ref        string    `json:"ref"`
	ResidentID int64     `json:"resident_id,string"`
	AttemptID  int64     `json:"attempt_id,string"`
	PassedAt   time.Time `json:"passed_at"`
}

// runRepair restores a passed repair's share, once: under the resident's
// lock it decides (decideRestore, on the pass's time, not the job's), posts
// the restoring credit with the idempotency key repair/<deduction> (a
// posting made before is reused, never repeated), tells the resident with
// the fixed text deduction_repaired in the same transaction, and records
// the outcome on the repair. A pass after the deadline, of an erased resident or of a
// deduction without a repair changes nothing.
func (s *Service) runRepair(ctx context.Context, payload []byte) error {
	var p repairPassed
	if err := json.Unmarshal(payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("bad repair payload %q", payload))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(p.Ref, "deduction:"), 10, 64)
	if err != nil || !strings.HasPrefix(p.Ref, "deduction:") {
		return jobs.Permanent(fmt.Errorf("bad repair reference %q", p.Ref))
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		a, err := s.lock(tx, p.ResidentID)
		if err != nil {
			if apperrIs(err, ErrResidentNotFound) {
				return errRollback // erased: nothing to restore to
			}
			return err
		}
		r, err := findRepair(tx, id)
		if err != nil {
			return err
		}
		if r == nil || r.ResidentID != p.ResidentID {
			return errRollback
		}
		appeal, err := appealOf(tx, id)
		if err != nil {
			return err
		}
		f := repairFacts{Status: r.Status, Points: r.Points, Deadline: r.Deadline.UTC(), Appeal: appeal, Now: s.now().UTC()}
		restore, status, err := decideRestore(f, p.PassedAt.UTC())
		if errors.Is(err, errRepairNothingToGive) || (err == nil && status == r.Status) {
			return errRollback
		}
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if restore > 0 {
			idem := "repair/" + strconv.FormatInt(id, 10)
			prev, err := findTransaction(tx, Repair, idem)
			if err != nil {
				return err
			}
			if prev == nil {
				var d Transaction
				if err := tx.Take(&d, id).Error; err != nil {
					return err
				}
				err := s.credit(tx, a, &Transaction{
					Delta: restore, Kind: Repair, Idem: idem, RuleCode: d.RuleCode, CaseRef: d.CaseRef,
					Reason:       "学法修复：恢复扣减积分的 " + strconv.Itoa(r.Share) + "%",
					DepartmentID: r.DepartmentID, ExpiresAt: d.RestoreExpiresAt, CreatedAt: now,
				})
				if err != nil {
					return err
				}
				if err := s.tell(tx, repairedNotice(&d, restore, r.DepartmentID)); err != nil {
					return err
				}
			}
		}
		upd := map[string]any{"status": status, "passed_at": p.PassedAt.UTC(), "restored": restore, "attempt_id": p.AttemptID}
		if status == RepairRepaired {
			upd["repaired_at"] = now
		}
		return tx.Model(&repair{}).Where("deduction_id = ? AND status IN ?", id, []RepairStatus{RepairNone, RepairStarted}).Updates(upd).Error
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

// repairsOf returns the repairs of deductions ids, by deduction, with the
// status of the appeal against each ("" for none).
func repairsOf(tx *gorm.DB, ids []int64) (map[int64]*repair, map[int64]AppealStatus, error) {
	rs, appeals := map[int64]*repair{}, map[int64]AppealStatus{}
	if len(ids) == 0 {
		return rs, appeals, nil
	}
	var rows []repair
	if err := tx.Where("deduction_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	for i := range rows {
		rs[rows[i].DeductionID] = &rows[i]
	}
	if len(rs) == 0 {
		return rs, appeals, nil
	}
	var aps []struct {
		TransactionID int64
		Status        AppealStatus
	}
	if err := tx.Table("point_appeals").Select("transaction_id, status").Where("transaction_id IN ?", ids).Scan(&aps).Error; err != nil {
		return nil, nil, err
	}
	for _, a := range aps {
		appeals[a.TransactionID] = a.Status
	}
	return rs, appeals, nil
}

// withRepairs sets the Repair of every deduction among ts.
func (s *Service) withRepairs(ctx context.Context, ts []Transaction) error {
	var ids []int64
	for _, t := range ts {
		if t.Kind == Deduct {
			ids = append(ids, t.ID)
		}
	}
	rs, appeals, err := repairsOf(s.db.WithContext(ctx), ids)
	if err != nil {
		return fmt.Errorf("find repairs: %w", err)
	}
	now := s.now().UTC()
	for i := range ts {
		if r := rs[ts[i].ID]; r != nil {
			ts[i].Repair = r.view(appeals[ts[i].ID], now)
		}
	}
	return nil
}

// restoredOf returns what deduction id's repair restored (0 without one).
func restoredOf(tx *gorm.DB, id int64) (int64, error) {
	var n []int64
	if err := tx.Table("point_repairs").Where("deduction_id = ?", id).Limit(1).Pluck("restored", &n).Error; err != nil {
		return 0, err
	}
	if len(n) == 0 {
		return 0, nil
	}
	return n[0], nil
}

// repairStatusOf returns deduction id's repair status ("" without one).
func repairStatusOf(tx *gorm.DB, id int64) (RepairStatus, error) {
	var st []RepairStatus
	if err := tx.Table("point_repairs").Where("deduction_id = ?", id).Limit(1).Pluck("status", &st).Error; err != nil {
		return "", err
	}
	if len(st) == 0 {
		return "", nil
	}
	return st[0], nil
}
