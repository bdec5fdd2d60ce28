package points

import (
	"strconv"
	"time"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
)

// AppealWindowDays is how long a resident may appeal a deduction: until the
// end of the district day AppealWindowDays days after the one it was
// recorded on. The deadline is fixed on the deduction when it is recorded
// and told to the resident, so changing this moves only later deadlines.
const AppealWindowDays = 30

// AppealDeadline returns the end of the appeal window of a deduction
// recorded at t: midnight (district time) that ends its AppealWindowDays-th
// following day, in UTC. An appeal is accepted before it.
func AppealDeadline(t time.Time) time.Time {
	return district.DayStart(t).Add(time.Duration(AppealWindowDays+1) * 24 * time.Hour)
}

// deadlineOf returns the appeal deadline of deduction t: the one fixed on
// it, or, for a deduction recorded before deadlines were kept, its created_at's.
func deadlineOf(t *Transaction) time.Time {
	if t.AppealDeadline != nil {
		return t.AppealDeadline.UTC()
	}
	return AppealDeadline(t.CreatedAt)
}

// withDeadline sets a deduction's AppealDeadline for display (a deduction
// recorded before deadlines were kept has none stored).
func withDeadline(t *Transaction) {
	if t.Kind == Deduct && t.AppealDeadline == nil {
		d := deadlineOf(t)
		t.AppealDeadline = &d
	}
}

// lastDay formats the last day of an appeal window ending at deadline
// (exclusive) as district time: "2026年12月31日".
func lastDay(deadline time.Time) string {
	return deadline.Add(-time.Second).In(district.Zone).Format("2006年1月2日")
}

// deductionNotice is the fixed system notice telling a resident of
// deduction t, recorded for department dept: the points, the record's
// number, the appeal deadline and where to appeal. Neither the case
// reference nor the officer's reason is pushed (both are an officer's
// words, unreviewed): the resident reads them in the transaction view,
// which the notice links to.
//
// Under a repairable rule (rp not nil) it also tells of the repair course
// (学法修复), in fixed words with numbers only: the share and the points a
// pass restores, the pass mark, the same last day, once, and that a
// repaired deduction is no longer appealed.
func deductionNotice(t *Transaction, dept *int64, rp *repair) notify.DirectNotice {
	id, points := strconv.FormatInt(t.ID, 10), strconv.FormatInt(-t.Delta, 10)
	deadline := deadlineOf(t)
	repairText := ""
	if rp != nil {
		repairText = "该扣分可以学法修复：请于 " + lastDay(deadline) + "（含当日）前在该条扣分记录中参加相关法律知识测验，成绩达到 " +
			strconv.Itoa(rp.PassScore) + " 分即恢复扣减积分的 " + strconv.Itoa(rp.Share) + "%（" + strconv.FormatInt(rp.Points, 10) +
			" 分），每条扣分只能修复一次；修复后不再受理对该扣分的申诉。"
	}
	return notify.DirectNotice{
		Kind:  notify.KindDeductionRecorded,
		Title: "积分扣减通知",
		Body: "您的个人积分被扣减 " + points + " 分（扣分记录编号 " + id + "）。所涉案件和扣分原因可在「i福田」小程序「我的积分 › 积分明细」中查看。" +
			"如有异议，请于 " + lastDay(deadline) + "（含当日）前在该条扣分记录中提出申诉，逾期不再受理；" +
			"申诉成立的，扣减的积分将全部退回。" + repairText,
		ResidentIDs: []int64{t.ResidentID},
		Data: map[string]string{
			"points":   points,
			"deadline": deadline.Add(-time.Minute).In(district.Zone).Format("2006-01-02 15:04"),
		},
		Target:       &notify.Target{Type: notify.TargetDeduction, ID: id},
		Source:       "points:deduction:" + id,
		DepartmentID: dept,
	}
}

// appealDecidedNotice is the fixed system notice telling a resident that
// their appeal ap against deduction d was decided. The officer's note and
// the case reference are not pushed: the resident reads them in their
// appeals, which the notice links to.
//
// back is what the approval gave back: the deducted points less what a
// repair (学法修复) had already restored.
func appealDecidedNotice(ap *Appeal, d *Transaction, back int64) notify.DirectNotice {
	points := strconv.FormatInt(-d.Delta, 10)
	result, body := notify.ResultAppealDismissed, "经审核，申诉未获支持，扣分维持不变。"
	if ap.Status == "approved" {
		result, body = notify.ResultAppealUpheld, "经审核，申诉成立，已撤销该扣分，"+strconv.FormatInt(back, 10)+" 分已退回您的积分账户。"
		if back != -d.Delta {
			body += "（其余 " + strconv.FormatInt(-d.Delta-back, 10) + " 分已通过学法修复恢复。）"
		}
	}
	return notify.DirectNotice{
		Kind:  notify.KindAppealDecided,
		Title: "积分申诉处理结果",
		Body: "您对扣分记录（编号 " + strconv.FormatInt(d.ID, 10) + "，扣减 " + points + " 分）提出的申诉已处理。" + body +
			"处理说明可在「i福田」小程序「我的积分 › 我的申诉」中查看。",
		ResidentIDs:  []int64{ap.ResidentID},
		Data:         map[string]string{"result": result},
		Target:       &notify.Target{Type: notify.TargetAppeal, ID: strconv.FormatInt(ap.ID, 10)},
		Source:       "points:appeal:" + strconv.FormatInt(ap.ID, 10),
		DepartmentID: ap.DepartmentID,
	}
}

// repairedNotice is the fixed system notice telling a resident that their
// pass of deduction d's repair course (学法修复) restored restored points.
// Like the deduction's own notice it quotes no officer's words: the
// resident opens the deduction in the app.
func repairedNotice(d *Transaction, restored int64, dept *int64) notify.DirectNotice {
	id, points := strconv.FormatInt(d.ID, 10), strconv.FormatInt(restored, 10)
	return notify.DirectNotice{
		Kind:  notify.KindDeductionRepaired,
		Title: "学法修复结果",
		Body: "您已通过扣分记录（编号 " + id + "，扣减 " + strconv.FormatInt(-d.Delta, 10) + " 分）的学法修复测验，" + points +
			" 分已恢复到您的积分账户。可在「i福田」小程序「我的积分 › 积分明细」中查看。",
		ResidentIDs:  []int64{d.ResidentID},
		Data:         map[string]string{"points": points},
		Target:       &notify.Target{Type: notify.TargetDeduction, ID: id},
		Source:       "points:repair:" + id,
		DepartmentID: dept,
	}
}

func strOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
