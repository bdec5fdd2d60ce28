package enterprises

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
)

// Due process (issue #16): an enterprise's bound members are told, by a
// fixed system text, when a credit record is added about it, when its
// grade changes (old and new grade and the records that moved it) and
// when an objection to one of its records is decided. Each notice is
// written by the transaction that makes the change (SendDirectTx), so it
// exists exactly when the change does, and once: its Source names the
// record, the rating or the objection.
//
// The texts quote only what the system itself fixes (the enterprise's
// code, a record's kind, severity and dates, grades and scores), never
// text staff or residents wrote: not the enterprise's name (entered by
// staff), a case reference, a note or a reason. They name the enterprise
// by its code and link to it (Target), where the member reads the rest.

// signedPoints describes a record's score change.
func signedPoints(p int) string {
	if p < 0 {
		return fmt.Sprintf("扣 %d 分", -p)
	}
	return fmt.Sprintf("加 %d 分", p)
}

// creditNotice tells an enterprise's members that a credit record was
// added, and how to object to it.
func creditNotice(e *Enterprise, r *CreditRecord) notify.DirectNotice {
	what := kindNames[r.Kind] + "（" + severityNames[r.Severity] + "）"
	return notify.DirectNotice{
		Kind:  notify.KindCreditRecorded,
		Title: "信用记录：您的企业新增一条" + kindNames[r.Kind] + "记录",
		Body: "您绑定的企业（统一社会信用代码 " + e.USCC + "）新增一条信用记录：" + what +
			"，发生于 " + district.Date(r.OccurredAt) + "，公示至 " + district.Date(r.ExpiresAt) + "，计入企业信用评价（" +
			signedPoints(Points[r.Kind][r.Severity]) + "）。所涉案件和记录详情可在 i福田「我的企业」中查看。\n如对该记录有异议，可在那里提出异议，由记录部门审核；异议成立的记录将被撤销，不再计入评价。",
		Category:     "policy",
		Data:         map[string]string{"uscc": e.USCC, "date": district.Date(r.OccurredAt)},
		Target:       &notify.Target{Type: notify.TargetEnterprise, ID: e.USCC},
		Source:       "enterprise-credit:" + strconv.FormatInt(r.ID, 10),
		DepartmentID: r.DepartmentID,
	}
}

// removedFactor is a factor of the previous rating the new one no longer
// counts, and why.
type removedFactor struct {
	Factor
	Why string
}

// diffFactors returns the factors next counts that prev did not, and those
// prev counted that next does not, with why: its publication period ended
// (expired at now), or it was revoked (an upheld objection).
func diffFactors(prev, next []Factor, now time.Time) (added []Factor, removed []removedFactor) {
	has := func(fs []Factor, id int64) bool {
		return slices.ContainsFunc(fs, func(f Factor) bool { return f.ID == id })
	}
	for _, f := range next {
		if !has(prev, f.ID) {
			added = append(added, f)
		}
	}
	for _, f := range prev {
		if has(next, f.ID) {
			continue
		}
		why := "异议成立，已撤销"
		if !f.ExpiresAt.After(now) {
			why = "公示期满"
		}
		removed = append(removed, removedFactor{Factor: f, Why: why})
	}
	return added, removed
}

// gradeNotice tells an enterprise's members that its grade changed from
// prev's to next's, and how many records moved it (the records' own
// reasons quote case references, so they are read in the app).
func gradeNotice(e *Enterprise, prev, next *Rating) notify.DirectNotice {
	added, removed := diffFactors(prev.Factors, next.Factors, next.RatedAt)
	var why []string
	if len(added) > 0 {
		why = append(why, fmt.Sprintf("新计入 %d 条信用记录", len(added)))
	}
	if len(removed) > 0 {
		why = append(why, fmt.Sprintf("%d 条记录不再计入（公示期满、信用修复或异议成立）", len(removed)))
	}
	if len(why) == 0 {
		why = append(why, "评价模型更新为 "+next.ModelVersion+" 版")
	}
	return notify.DirectNotice{
		Kind:  notify.KindGradeChanged,
		Title: "信用评价：您的企业由 " + string(prev.Grade) + " 级变为 " + string(next.Grade) + " 级",
		Body: "您绑定的企业（统一社会信用代码 " + e.USCC + "）的信用评价由 " + string(prev.Grade) + " 级（" +
			strconv.Itoa(prev.Score) + " 分）变为 " + string(next.Grade) + " 级（" + strconv.Itoa(next.Score) + " 分）。\n变化原因：" +
			strings.Join(why, "；") + "。\n所涉记录和评价详情请在 i福田「我的企业」中查看；如对某条记录有异议，可在那里提出。",
		Category: "policy",
		Data:     map[string]string{"uscc": e.USCC, "old_grade": string(prev.Grade), "new_grade": string(next.Grade)},
		Target:   &notify.Target{Type: notify.TargetEnterprise, ID: e.USCC},
		Source:   "enterprise-grade:" + strconv.FormatInt(next.ID, 10),
	}
}

// objectionNotice tells an enterprise's members (and the objector) how an
// objection to record r was decided, sent for the department that wrote
// the record and decided it.
func objectionNotice(e *Enterprise, o *Objection, r *CreditRecord, approved bool) notify.DirectNotice {
	what := kindNames[r.Kind] + "（" + severityNames[r.Severity] + "），发生于 " + district.Date(r.OccurredAt)
	result, outcome := notify.ResultObjectionDenied, "该记录继续计入信用评价，至公示期满（"+district.Date(r.ExpiresAt)+"）。如有新的证明材料，可再次提出异议。"
	if approved {
		result, outcome = notify.ResultObjectionUpheld, "该记录已撤销，不再计入信用评价，企业已重新评价。"
	}
	return notify.DirectNotice{
		Kind:  notify.KindObjectionDecided,
		Title: "异议处理结果：" + result,
		Body: "您绑定的企业（统一社会信用代码 " + e.USCC + "）对一条信用记录（" + what + "）提出的异议（" +
			district.Date(o.CreatedAt) + " 提出）已审核：" + result + "。" + outcome + "\n审核说明和记录详情请在 i福田「我的企业」中查看。",
		Category:     "policy",
		Data:         map[string]string{"uscc": e.USCC, "result": result},
		Target:       &notify.Target{Type: notify.TargetEnterprise, ID: e.USCC},
		Source:       "enterprise-objection:" + strconv.FormatInt(o.ID, 10),
		DepartmentID: r.DepartmentID,
	}
}

// tellMembersTx sends d inside tx to the enterprise's bound members and to
// the residents also named (each once).
func (s *Service) tellMembersTx(tx *gorm.DB, enterpriseID int64, d notify.DirectNotice, also ...int64) error {
	if s.notifier == nil {
		return nil
	}
	var ids []int64
	if err := tx.Model(&Binding{}).Where("enterprise_id = ? AND status = ?", enterpriseID, BindingApproved).
		Order("resident_id").Pluck("resident_id", &ids).Error; err != nil {
		return fmt.Errorf("enterprise members: %w", err)
	}
	for _, id := range also {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	d.ResidentIDs = ids
	if err := s.notifier.SendDirectTx(tx, d); err != nil {
		return fmt.Errorf("send %s notice: %w", d.Kind, err)
	}
	return nil
}
