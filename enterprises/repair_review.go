package enterprises

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// CauseRepair is a rating given because an approved credit repair ended a
// record's publication early.
const CauseRepair Cause = "repair"

// RepairDecision is an officer's decision on a submitted credit repair
// (the body of POST /admin/credit-repairs/{id}/decide).
type RepairDecision struct {
	Approve *bool  `json:"approve" binding:"required" doc:"true approves: the record's publication period ends early and the enterprise is re-rated"`
	Reason  string `json:"reason" binding:"required,max=500" doc:"why, in words the enterprise's members read in the app (the decision's notice is a fixed text and does not carry it); blank is 400 naming reason"`
}

// RepairFilter selects repairs for the officer's queue: a status (default
// submitted: awaiting review), a record kind, an enterprise's code; oldest
// first, after the cursor After. Its form tags are the query parameters of
// GET /admin/credit-repairs.
type RepairFilter struct {
	Status RepairStatus `form:"status" doc:"default submitted (awaiting review); none is not a stored status"`
	Kind   Kind         `form:"kind" doc:"the record's kind"`
	USCC   string       `form:"uscc" binding:"max=40" doc:"the enterprise's code"`
	After  int64        `form:"-"`
	Limit  int          `form:"-"`
}

func (f *RepairFilter) validate() error {
	fields := tagged(f)
	if f.Status == "" {
		f.Status = RepairSubmitted
	}
	if f.Status == RepairNone {
		fields["status"] = check.OneOfMessage(f.Status.Enum()[1:])
	}
	if _, bad := fields["uscc"]; !bad && f.USCC != "" {
		code, err := NormalizeUSCC("uscc", f.USCC)
		var ae *apperr.Error
		if errors.As(err, &ae) {
			fields["uscc"] = ae.Fields["uscc"]
		}
		f.USCC = code
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	return apperr.Fields(fields)
}

// QueuedRepair is a repair with its enterprise and the record it repairs.
type QueuedRepair struct {
	Repair
	USCC           string       `json:"uscc" gorm:"column:uscc"`
	EnterpriseName string       `json:"enterprise_name"`
	Record         CreditRecord `json:"record" gorm:"-" doc:"the credit record it repairs"`
}

// repairQuery selects the repairs within scope: of its departments'
// records (every department's for the district) about enterprises of its
// streets.
func (s *Service) repairQuery(ctx context.Context, scope staff.Scope) *gorm.DB {
	q := s.db.WithContext(ctx).Table("credit_repairs AS r").
		Select("r.*, e.uscc AS uscc, e.name AS enterprise_name").
		Joins("JOIN enterprises e ON e.id = r.enterprise_id")
	return scope.Filter(q, staff.Columns{Street: "e.street", Department: "r.department_id"})
}

// FindRepairs lists the repairs the member may review, with the records
// they repair, and the cursor of the next page (0 on the last). Returns
// invalid_argument naming a bad filter field.
func (s *Service) FindRepairs(ctx context.Context, by *staff.Member, f RepairFilter) ([]QueuedRepair, int64, error) {
	if err := f.validate(); err != nil {
		return nil, 0, err
	}
	q := s.repairQuery(ctx, by.Scope()).Where("r.status = ? AND r.id > ?", f.Status, f.After)
	if f.Kind != "" {
		q = q.Where("r.kind = ?", f.Kind)
	}
	if f.USCC != "" {
		q = q.Where("e.uscc = ?", f.USCC)
	}
	var items []QueuedRepair
	if err := q.Order("r.id").Limit(f.Limit + 1).Scan(&items).Error; err != nil {
		return nil, 0, fmt.Errorf("find repairs: %w", err)
	}
	var next int64
	if len(items) > f.Limit {
		items = items[:f.Limit]
		next = items[len(items)-1].ID
	}
	if err := s.attachRecords(ctx, items); err != nil {
		return nil, 0, err
	}
	return items, next, nil
}

func (s *Service) attachRecords(ctx context.Context, items []QueuedRepair) error {
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.CreditRecordID)
	}
	if len(ids) == 0 {
		return nil
	}
	var recs []CreditRecord
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&recs).Error; err != nil {
		return fmt.Errorf("load repaired records: %w", err)
	}
	for i := range items {
		if j := slices.IndexFunc(recs, func(r CreditRecord) bool { return r.ID == items[i].CreditRecordID }); j >= 0 {
			items[i].Record = recs[j]
		}
	}
	return nil
}

// FindRepair returns one repair the member may review. Returns
// ErrRepairGone for an unknown one or one outside the member's scope.
func (s *Service) FindRepair(ctx context.Context, by *staff.Member, id int64) (*QueuedRepair, error) {
	var items []QueuedRepair
	if err := s.repairQuery(ctx, by.Scope()).Where("r.id = ?", id).Scan(&items).Error; err != nil {
		return nil, fmt.Errorf("find repair: %w", err)
	}
	if len(items) == 0 {
		return nil, ErrRepairGone
	}
	if err := s.attachRecords(ctx, items); err != nil {
		return nil, err
	}
	return &items[0], nil
}

// DecideRepair approves or rejects a submitted repair. Only the department
// that wrote the record decides (a district-wide record: the district),
// street-scoped members only for enterprises of their streets; others'
// repairs are ErrRepairGone, as are unknown ones. An approval ends the
// record's publication period early (at once, or at the end of its
// shortest publication period) and re-rates the enterprise in the same
// transaction, whose members are told of the decision by a fixed text (and
// of a grade change, as on every re-rating). Returns invalid_argument
// naming reason for a blank or overlong one, ErrDecided unless the repair
// is submitted and ErrRepairMoot for an approval of a record that no
// longer counts.
func (s *Service) DecideRepair(ctx context.Context, by *staff.Member, id int64, d RepairDecision) (*QueuedRepair, error) {
	fields := tagged(&d)
	checkText(fields, "reason", &d.Reason, true)
	if err := apperr.Fields(fields); err != nil {
		return nil, err
	}
	r, err := s.FindRepair(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if r.Status != RepairSubmitted {
		return nil, ErrDecided
	}
	approve := *d.Approve
	status := RepairRejected
	if approve {
		status = RepairApproved
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockEnterprise(tx, r.EnterpriseID); err != nil {
			return err
		}
		rec, err := recordOf(tx, r.EnterpriseID, r.CreditRecordID, true)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		updates := map[string]any{"status": status, "decided_by": by.ID, "decided_at": now, "decision_reason": d.Reason, "updated_at": now}
		ends := rec.ExpiresAt
		if approve {
			dec := decideRepair(factsOf(rec, nil, &RepairCourse{}), now) // the course was passed already
			if !dec.Repairable {
				return ErrRepairMoot
			}
			ends = dec.EndsAt
			updates["original_expires_at"], updates["ends_at"] = rec.ExpiresAt, ends
		} else {
			updates["open_key"] = nil // the record may be repaired anew
		}
		res := tx.Model(&Repair{}).Where("id = ? AND status = ?", id, RepairSubmitted).Updates(updates)
		if res.Error != nil {
			return fmt.Errorf("decide repair: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrDecided
		}
		staff.AuditTarget(ctx, "credit-repairs", repairTarget(id))
		staff.AuditDetail(ctx, "credit repair "+strconv.FormatInt(id, 10)+" "+string(status))
		e := Enterprise{ID: r.EnterpriseID, USCC: r.USCC}
		if err := s.tellMembersTx(tx, r.EnterpriseID, repairNotice(&e, r.ID, rec, approve, ends)); err != nil {
			return err
		}
		if !approve {
			return nil
		}
		if err := tx.Model(&CreditRecord{}).Where("id = ?", rec.ID).Update("expires_at", ends).Error; err != nil {
			return fmt.Errorf("end publication: %w", err)
		}
		_, err = s.rateTx(tx, r.EnterpriseID, CauseRepair)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.noticesNow(ctx, "enterprise_id = ?", r.EnterpriseID)
	return s.FindRepair(ctx, by, id)
}

// repairNotice tells an enterprise's members how a credit repair of record
// r was decided: a fixed text naming the enterprise by its code and the
// record by its kind, severity and dates, never the commitment or the
// officer's reason (members read those in the app). ends is the end of the
// record's publication the approval set.
func repairNotice(e *Enterprise, repairID int64, r *CreditRecord, approved bool, ends time.Time) notify.DirectNotice {
	what := kindNames[r.Kind] + "（" + severityNames[r.Severity] + "），发生于 " + district.Date(r.OccurredAt)
	result := notify.ResultRepairRejected
	outcome := "该记录继续计入信用评价，至公示期满（" + district.Date(r.ExpiresAt) + "）。可重新完成修复课程后再次申请。"
	if approved {
		result = notify.ResultRepairApproved
		outcome = "该记录提前结束公示（原公示至 " + district.Date(r.ExpiresAt) + "，现公示至 " + district.Date(ends) + "），企业信用评价已相应更新。"
	}
	return notify.DirectNotice{
		Kind:  notify.KindRepairDecided,
		Title: "信用修复结果：" + result,
		Body: "您绑定的企业（统一社会信用代码 " + e.USCC + "）就一条信用记录（" + what + "）申请的信用修复已审核：" + result + "。" +
			outcome + "\n审核说明和记录详情请在 i福田「我的企业」中查看。",
		Category:     "policy",
		Data:         map[string]string{"uscc": e.USCC, "result": result},
		Target:       &notify.Target{Type: notify.TargetEnterprise, ID: e.USCC},
		Source:       "enterprise-repair:" + strconv.FormatInt(repairID, 10),
		DepartmentID: r.DepartmentID,
	}
}
