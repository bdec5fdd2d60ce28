package points

import (
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

// The decisions of a repair (学法修复): whether a deduction may be repaired
// now and how many points a pass restores. They are pure functions of what
// was read (repairFacts), table-tested in repair_decide_test.go.

// RepairStatus is where a deduction's repair stands.
type RepairStatus string

// The statuses of a repair.
const (
	RepairNone     RepairStatus = "none"     // offered, not started
	RepairStarted  RepairStatus = "started"  // a quiz attempt was started, none passed yet
	RepairPassed   RepairStatus = "passed"   // passed, but nothing was restored (an upheld appeal had already reversed the deduction)
	RepairRepaired RepairStatus = "repaired" // passed in time: the share was restored
)

// Enum lists the statuses.
func (RepairStatus) Enum() []string {
	return []string{string(RepairNone), string(RepairStarted), string(RepairPassed), string(RepairRepaired)}
}

// Errors of a repair.
var (
	ErrNotRepairable       = apperr.New(apperr.Conflict, "该扣分不适用学法修复").Because(apperr.ReasonNotRepairable)
	ErrRepairDone          = apperr.New(apperr.Conflict, "该扣分已完成学法修复，每条扣分只能修复一次").Because(apperr.ReasonRepaired)
	ErrRepairWindowClosed  = apperr.New(apperr.Conflict, "已超过学法修复期限（与申诉期限相同）").Because(apperr.ReasonAppealWindowClosed)
	ErrRepairUnderAppeal   = apperr.New(apperr.Conflict, "该扣分的申诉正在处理，处理完毕前不能学法修复").Because(apperr.ReasonUnderAppeal)
	ErrRepairAppealUpheld  = apperr.New(apperr.Conflict, "申诉已成立，扣减的积分已全部退回，无需学法修复").Because(apperr.ReasonAppealUpheld)
	ErrAppealAfterRepair   = apperr.New(apperr.Conflict, "该扣分已通过学法修复恢复部分积分，不能再就同一扣分申诉").Because(apperr.ReasonRepaired)
	errRepairNothingToGive = apperr.New(apperr.Conflict, "nothing to restore")
)

// RestoredPoints is what a repair restores of deducted points at share
// percent: deducted × share ÷ 100, rounded half up (5 × 50% = 2.5 → 3),
// never more than deducted nor below 0.
func RestoredPoints(deducted int64, sharePercent int) int64 {
	if deducted <= 0 || sharePercent <= 0 {
		return 0
	}
	if sharePercent >= 100 {
		return deducted
	}
	return (deducted*int64(sharePercent) + 50) / 100
}

// repairFacts is what the decisions of a repair depend on.
type repairFacts struct {
	Status   RepairStatus // the repair's status
	Points   int64        // what a pass restores (fixed when the deduction was recorded)
	Deadline time.Time    // the end of the window (exclusive): the deduction's appeal deadline
	Appeal   AppealStatus // the appeal against the deduction; "" for none
	Now      time.Time
}

// decideRepairStart says whether a repair may be started (or another quiz
// attempt taken) now: not once repaired or passed, only before the
// deadline, not while an appeal is pending (decide that first) nor after
// an upheld one (the points are back), and only with points to restore.
// A rejected appeal leaves the repair open.
func decideRepairStart(f repairFacts) error {
	switch {
	case f.Points <= 0:
		return ErrNotRepairable
	case f.Status == RepairRepaired || f.Status == RepairPassed:
		return ErrRepairDone
	case !f.Now.Before(f.Deadline):
		return ErrRepairWindowClosed
	case f.Appeal == AppealPending:
		return ErrRepairUnderAppeal
	case f.Appeal == AppealApproved:
		return ErrRepairAppealUpheld
	}
	return nil
}

// decideRestore decides what a quiz passed at passedAt does: restore the
// repair's points and mark it repaired (once: a repaired repair restores
// nothing more), or, after an upheld appeal reversed the deduction, mark it
// passed and restore nothing. A pass at or after the deadline changes
// nothing (errRepairNothingToGive). An appeal still pending does not stop
// it: its approval then gives back only what the repair did not
// (appealReversal).
func decideRestore(f repairFacts, passedAt time.Time) (restore int64, status RepairStatus, err error) {
	switch {
	case f.Status == RepairRepaired || f.Status == RepairPassed:
		return 0, f.Status, nil // done before: the same outcome again
	case !passedAt.Before(f.Deadline), f.Points <= 0:
		return 0, f.Status, errRepairNothingToGive
	case f.Appeal == AppealApproved:
		return 0, RepairPassed, nil
	}
	return f.Points, RepairRepaired, nil
}

// appealReversal is what an approved appeal gives back of a deduction of
// deducted points of which a repair already restored restored: the rest,
// so no point is given back twice.
func appealReversal(deducted, restored int64) int64 {
	return max(deducted-restored, 0)
}

// decideAppealOnRepair refuses an appeal against a deduction already
// repaired: its restored points cannot be appealed again.
func decideAppealOnRepair(status RepairStatus) error {
	if status == RepairRepaired {
		return ErrAppealAfterRepair
	}
	return nil
}
