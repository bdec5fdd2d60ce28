package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/residents"
)

// SystemKind names a kind of message the system sends by itself (a fixed
// text, not reviewed, that staff cannot write into). Each kind may be
// mapped to a WeChat subscribe template in configuration (Config.Templates),
// filled from the message's title, body, time and the kind's own fields
// (KindFields), none of which is text a member typed. Each names what it
// is about by reference (its Target), which the resident opens in the app.
type SystemKind string

// The system messages.
const (
	KindBenefitMatched    SystemKind = "benefit_matched"
	KindSurveyReminder    SystemKind = "survey_reminder"
	KindDeductionRecorded SystemKind = "deduction_recorded"
	KindAppealDecided     SystemKind = "appeal_decided"
	KindCreditRecorded    SystemKind = "credit_recorded"
	KindGradeChanged      SystemKind = "grade_changed"
	KindObjectionDecided  SystemKind = "objection_decided"
	KindActivityCancelled SystemKind = "activity_cancelled"
	KindActivityPromoted  SystemKind = "activity_promoted"
	KindRequestAccepted   SystemKind = "request_accepted"
	KindRequestAnswered   SystemKind = "request_answered"
	// Issue 25: a resident's request merged into another about the same
	// matter; a request about an enterprise sent to it first (外循环).
	KindRequestMerged      SystemKind = "request_merged"
	KindEnterpriseReferral SystemKind = "enterprise_referral"
	KindRequestExtended    SystemKind = "request_extended" // the centre approved a unit's extension: the new deadline
	KindRequestRedone      SystemKind = "request_redone"   // 不满意 after the call-back: the unit handles it again (重办)
	// Issue 29: the department decided an enterprise's credit repair (信用修复).
	KindRepairDecided SystemKind = "credit_repair_decided"
	// A resident passed the repair course of a deduction (学法修复): the
	// points it restored.
	KindDeductionRepaired SystemKind = "deduction_repaired"
)

// DirectNotice is a notice the system itself sends to named residents,
// without review: benefit matches, survey reminders, due-process notices.
// It lands in their inbox at once and, when its Kind is mapped to a
// subscribe template, goes out as that subscribe message to those who
// consented, through the same durable delivery as department notices. Its
// texts are fixed system texts: a sender writes them from its own
// template with numbers, dates, grades and codes only, and names the
// object by reference (Target), never quoting what a member typed (a
// title, place, name, case reference or note), since nobody reviews it.
type DirectNotice struct {
	// Kind says which system message this is ("" reaches the inbox only).
	Kind        SystemKind
	Title       string
	Body        string
	Category    string // policy, health, activity or warning
	ResidentIDs []int64
	// Data holds the kind's fields (KindFields), e.g. for a deduction
	// {"points": "10", "deadline": "2026-12-31 23:59"}: every one the kind
	// names is required and no other is taken; each has a fixed shape
	// (a number, a date, a grade, …) and is cut to what its template
	// keyword holds.
	Data map[string]string
	// Target is what the notice is about, which the inbox links to and the
	// subscribe message opens; required for a Kind (of the kind's type).
	Target *Target
	// Source identifies the sender for idempotency (e.g. "benefit:12:ent:7");
	// sending the same Source twice delivers nothing the second time.
	Source string
	// DepartmentID is the department the notice is sent for (nil: the
	// district), shown with it like any department's notice.
	DepartmentID *int64
}

var dataKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// validate names the bad fields of d (Category defaults to policy).
func (d *DirectNotice) validate() error {
	fields := map[string]string{}
	if t := strings.TrimSpace(d.Title); t == "" || utf8.RuneCountInString(t) > 100 {
		fields["title"] = "标题须为 1–100 个字"
	}
	if !validBody(d.Body) {
		fields["body"] = bodyRule
	}
	if d.Category == "" {
		d.Category = "policy"
	}
	if !slices.Contains(Categories, d.Category) {
		fields["category"] = "须为 policy、health、activity 或 warning"
	}
	if d.Source == "" || len(d.Source) > 128 {
		fields["source"] = "须为 1–128 个字符"
	}
	declared, known := kindFields[d.Kind]
	if d.Kind != "" && !known {
		fields["kind"] = "未知的系统消息类型"
	}
	for k, v := range d.Data {
		switch {
		case !dataKeyPattern.MatchString(k) || !slices.Contains(declared, k):
			fields["data"] = "只能填写该类系统消息的字段：" + strings.Join(declared, "、")
		case v != "" && !fieldRules[k].MatchString(v):
			fields["data."+k] = dataRule
		}
	}
	for _, f := range declared {
		if strings.TrimSpace(d.Data[f]) == "" {
			fields["data."+f] = "该类系统消息须填写"
		}
	}
	switch want := kindTargets[d.Kind]; {
	case d.Target == nil && d.Kind != "":
		fields["target"] = "该类系统消息须指明所涉对象"
	case d.Target == nil:
	case !d.Target.valid() || (want != "" && d.Target.Type != want):
		fields["target"] = "对象类型或编号无效"
	}
	return apperr.Fields(fields)
}

// SendDirect delivers a system notice to each named (live) resident's
// inbox and queues its subscribe message, in a transaction of its own.
// Sending the same Source again changes nothing. It returns an
// invalid_argument error for a bad title, body, category, source, kind or
// data (a field the kind requires is named "data.<field>").
func (s *Service) SendDirect(ctx context.Context, d DirectNotice) error {
	if err := d.validate(); err != nil {
		return err
	}
	if len(d.ResidentIDs) == 0 {
		return nil
	}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error { return s.sendDirect(tx, d) })
	if err != nil {
		return fmt.Errorf("send direct notice: %w", err)
	}
	return nil
}

// SendDirectTx is SendDirect inside the caller's transaction tx, so that a
// notice commits (or rolls back) together with the change it tells of: a
// deduction and its notice, a decision and its notice. A Source sent
// before changes nothing and is no error; tx stays usable either way.
func (s *Service) SendDirectTx(tx *gorm.DB, d DirectNotice) error {
	if err := d.validate(); err != nil {
		return err
	}
	if len(d.ResidentIDs) == 0 {
		return nil
	}
	if err := s.sendDirect(tx, d); err != nil {
		return fmt.Errorf("send direct notice: %w", err)
	}
	return nil
}

// sendDirect writes a validated system notice, its recipients and its
// sends in tx.
func (s *Service) sendDirect(tx *gorm.DB, d DirectNotice) error {
	now := s.clock()
	source := d.Source
	var seen int64
	if err := tx.Model(&Notice{}).Where("source = ?", source).Count(&seen).Error; err != nil {
		return err
	}
	if seen > 0 {
		return nil
	}
	title := strings.TrimSpace(d.Title)
	n := &Notice{
		DepartmentID: d.DepartmentID, Title: title, Body: d.Body, Category: Category(d.Category), Kind: string(d.Kind),
		PublishAt: &now, Status: StatusPublished, PublishedAt: &now, Source: &source, CreatedAt: now, UpdatedAt: now,
	}
	if d.Target != nil {
		n.TargetType, n.TargetID = d.Target.Type, d.Target.ID
	}
	if t, ok := s.config().Templates[d.Kind]; ok && d.Kind != "" {
		data, err := json.Marshal(kindData(t, title, d.Body, d.Data, now))
		if err != nil {
			return err
		}
		n.SubscribeTemplateID, n.SubscribeData = t.TemplateID, string(data)
	}
	// Another sender of the same Source may have come in meanwhile: a
	// duplicate key fails only this statement, not the transaction.
	if err := tx.Create(n).Error; err != nil {
		if db.IsDuplicate(err) {
			return nil
		}
		return err
	}
	var total int64
	for start := 0; start < len(d.ResidentIDs); start += 5000 {
		part := Audience{ResidentIDs: d.ResidentIDs[start:min(start+5000, len(d.ResidentIDs))]}
		// A resident named twice across parts is skipped the second time.
		sel := residents.IDColumn(rs) + ", " + residents.StreetColumn(rs) + ", " + strconv.FormatInt(n.ID, 10)
		q, vars := scopeSQL(tx, part, now, sel)
		q += " AND NOT EXISTS (SELECT 1 FROM notice_recipients x WHERE x.notice_id = " + strconv.FormatInt(n.ID, 10) + " AND x.resident_id = " + residents.IDColumn(rs) + ")"
		res := tx.Exec("INSERT INTO notice_recipients (resident_id, street, notice_id) "+q, vars...)
		if res.Error != nil {
			return res.Error
		}
		total += res.RowsAffected
	}
	if err := tx.Model(&Notice{}).Where("id = ?", n.ID).Update("targeted", total).Error; err != nil {
		return err
	}
	if err := s.queueSends(tx, n, now); err != nil {
		return err
	}
	return tx.Create(&Event{NoticeID: n.ID, Action: "published", ActorID: 0, Reason: source, CreatedAt: now}).Error
}
