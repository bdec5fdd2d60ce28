package requests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// Complaints about an enterprise go to the enterprise first (外循环, as
// Luohu's 多元主体共治 sends city-management cases to the responsible
// party to put right themselves before the government's 内循环): a desk
// that finds a request is about a registered enterprise with bound
// members refers it (Refer). The request waits in StatusWithEnterprise;
// the enterprise's members are told by a fixed system text (the code, the
// request's number and the date to answer by) and one of them may answer
// (resolved, or an explanation) within ReferralConfig.WindowDays working
// days. Then, or when the window ends unanswered, the request is back at
// the desk (accepted), which reads the enterprise's answer and answers the
// resident itself: the resident always gets the department's answer. The
// deadline moves by the window's working days when it is referred.
//
// Credit: the enterprise's answer (or silence) changes nothing in its
// credit rating by itself. The credit rules (enterprises/credit.go) count
// only credit records, which a credit officer records; a desk may still
// record a verified complaint with its answer (complaint_uscc) as before.

// StatusWithEnterprise is a request referred to an enterprise, waiting for
// its answer or the end of the window.
const StatusWithEnterprise = "with_enterprise"

// Actions of a referral, as the history records them.
const (
	ActRefer          = "referred"         // sent to the enterprise first
	ActEnterpriseDone = "ent_replied"      // the enterprise answered; back at the desk
	ActReferralExpire = "ent_window_ended" // no answer in time; back at the desk
)

// Outcomes of a referral.
const (
	ReferralPending  = "pending"
	ReferralResolved = "resolved"  // the enterprise says it put it right
	ReferralDisputed = "explained" // the enterprise answered otherwise
	ReferralExpired  = "expired"   // no answer within the window
)

// JobReferralNotice tells an enterprise's members of a referral.
const JobReferralNotice = "requests.referral_notice"

// MaxEnterpriseResponse is the longest answer of an enterprise.
const MaxEnterpriseResponse = 1000

// ReferralConfig is how referrals to enterprises work.
type ReferralConfig struct {
	// WindowDays is how many working days the enterprise has to answer.
	WindowDays int
}

// DefaultReferralWindowDays is the window without configuration.
const DefaultReferralWindowDays = 2

func (s *Service) referralWindow() int {
	if s.referral.WindowDays < 1 {
		return DefaultReferralWindowDays
	}
	return s.referral.WindowDays
}

// Referral is a request's referral to an enterprise.
type Referral struct {
	RequestID    int64 `gorm:"primaryKey;autoIncrement:false"`
	EnterpriseID int64
	USCC         string `gorm:"column:uscc"`
	ReferredBy   int64
	ReferredAt   time.Time
	DueAt        time.Time
	NoticedAt    *time.Time
	Outcome      string
	Response     string
	RespondedBy  *int64
	RespondedAt  *time.Time
	ClosedAt     *time.Time
}

// TableName maps Referral to request_referrals.
func (Referral) TableName() string { return "request_referrals" }

// ReferralView is a referral as the desk sees it.
type ReferralView struct {
	USCC        string     `json:"uscc"`
	ReferredAt  time.Time  `json:"referred_at"`
	DueAt       time.Time  `json:"due_at"`
	DueText     string     `json:"due_text"`
	Outcome     string     `json:"outcome"`
	Response    string     `json:"response"`
	RespondedAt *time.Time `json:"responded_at"`
}

// referFacts are what the referral decision needs.
type referFacts struct {
	Status   string
	Referred bool // the request was referred before
	Members  int  // the enterprise's bound members
}

// decideRefer says whether a request may be referred to an enterprise: one
// the desk has taken on (accepted or in progress), never referred before,
// about an enterprise someone can answer for. It is pure.
func decideRefer(f referFacts) error {
	switch {
	case f.Referred:
		return apperr.New(apperr.Conflict, "该诉求已转企业先行处理过，不能再次转企业")
	case f.Status != StatusAccepted && f.Status != StatusInProgress:
		return ErrWrongState
	case f.Members == 0:
		return apperr.Field("uscc", "该企业没有已绑定的成员，无法先行转企业处理")
	}
	return nil
}

// endFacts are what ending a referral needs.
type endFacts struct {
	Outcome string
	DueAt   time.Time
}

// decideEnd is how a referral ends: an enterprise's answer (by member,
// resolved or not) inside the window, or the window's end (by the system)
// once it is over. It returns the outcome. It is pure.
func decideEnd(f endFacts, byMember, resolved bool, now time.Time) (string, error) {
	if f.Outcome != ReferralPending {
		return "", apperr.New(apperr.Conflict, "企业已答复或答复期限已过")
	}
	if byMember {
		if !now.Before(f.DueAt) {
			return "", apperr.New(apperr.Conflict, "答复期限已过，诉求已转由主管部门处理")
		}
		if resolved {
			return ReferralResolved, nil
		}
		return ReferralDisputed, nil
	}
	if now.Before(f.DueAt) {
		return "", apperr.New(apperr.Conflict, "答复期限未到")
	}
	return ReferralExpired, nil
}

type referralJob struct {
	ID int64 `json:"id,string"`
}

// Refer sends an accepted request to the enterprise it is about first.
// The enterprise must be in the member's streets (403 naming uscc) and
// have bound members (400 naming uscc). Returns ErrNotFound outside the
// member's scope, ErrStale for a stale version, ErrWrongState for a
// request not accepted or in progress.
func (s *Service) Refer(ctx context.Context, m *staff.Member, id, version int64, uscc string) (*StaffView, error) {
	uscc = strings.ToUpper(strings.TrimSpace(uscc))
	if uscc == "" {
		return nil, apperr.Field("uscc", "必填")
	}
	sc := m.Scope()
	// A request outside the scope answers like a missing one, before the
	// enterprise is looked at; the transaction checks it again.
	if _, err := inScope(s.db.WithContext(ctx), sc, id); err != nil {
		return nil, err
	}
	e, err := s.enterprises.FindByUSCC(ctx, uscc)
	if errors.Is(err, enterprises.ErrNotFound) {
		return nil, apperr.Field("uscc", "企业不存在")
	}
	if ae := (*apperr.Error)(nil); errors.As(err, &ae) && ae.Code == apperr.Invalid {
		return nil, apperr.Field("uscc", "统一社会信用代码无效")
	}
	if err != nil {
		return nil, err
	}
	if !sc.CoversStreet(e.Street) {
		return nil, staff.OutOfScope("uscc", "该企业不在您负责的街道内")
	}
	members, err := s.enterprises.MemberIDs(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	now, days := s.clock(), s.referralWindow()
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		r, err := inScope(tx, sc, id)
		if err != nil {
			return err
		}
		if version != 0 && version != r.Version {
			return ErrStale
		}
		var n int64
		if err := tx.Model(&Referral{}).Where("request_id = ?", r.ID).Count(&n).Error; err != nil {
			return err
		}
		if err := decideRefer(referFacts{Status: r.Status, Referred: n > 0, Members: len(members)}); err != nil {
			return err
		}
		due := cal.Deadline(now, days)
		deadline := cal.Deadline(r.DeadlineAt.Add(-time.Nanosecond), days)
		res := tx.Model(&Request{}).Where("id = ? AND version = ?", r.ID, r.Version).Updates(map[string]any{
			"status": StatusWithEnterprise, "version": r.Version + 1, "deadline_at": deadline, "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrStale
		}
		if err := tx.Create(&Referral{RequestID: r.ID, EnterpriseID: e.ID, USCC: e.USCC, ReferredBy: m.ID,
			ReferredAt: now, DueAt: due, Outcome: ReferralPending}).Error; err != nil {
			return err
		}
		reason := fmt.Sprintf("转企业（统一社会信用代码 %s）先行处理，请其于 %s前答复；办理时限顺延 %d 个工作日", e.USCC, DeadlineDay(due, now), days)
		if err := tx.Create(&Event{RequestID: r.ID, Action: ActRefer, ActorID: m.ID, ToDepartmentID: r.DepartmentID,
			Reason: reason, CreatedAt: now}).Error; err != nil {
			return err
		}
		staff.AuditDetail(ctx, "request "+strconv.FormatInt(r.ID, 10)+" referred to "+e.USCC)
		return jobs.Enqueue(tx, JobReferralNotice, strconv.FormatInt(r.ID, 10), referralJob{ID: r.ID})
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("refer request: %w", err)
	}
	if s.jobs != nil {
		_ = s.jobs.RunKey(context.WithoutCancel(ctx), JobReferralNotice, strconv.FormatInt(id, 10))
	}
	return s.staffView(ctx, id)
}

// runReferralNotice tells the enterprise's bound members of a referral,
// once (the notice's Source is the request's).
func (s *Service) runReferralNotice(ctx context.Context, payload []byte) error {
	var j referralJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("bad referral payload %q", payload))
	}
	var ref Referral
	err := s.db.WithContext(ctx).Take(&ref, "request_id = ?", j.ID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return jobs.Permanent(err)
	} else if err != nil {
		return err
	}
	if ref.NoticedAt != nil {
		return nil
	}
	members, err := s.enterprises.MemberIDs(ctx, ref.EnterpriseID)
	if err != nil {
		return err
	}
	r, err := load(s.db.WithContext(ctx), j.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err == nil {
		if err := s.notify.SendDirect(ctx, referralNotice(&ref, r, members, s.clock())); err != nil {
			return fmt.Errorf("request %d referral notice: %w", j.ID, err)
		}
	}
	return s.db.WithContext(ctx).Model(&Referral{}).Where("request_id = ?", j.ID).Update("noticed_at", s.clock()).Error
}

// referralNotice is the fixed system text telling an enterprise's members
// of a referral: the enterprise's code, the request's number and the day
// to answer by; never the request's text (the members read it, without
// the resident's name or contact, in the enterprise's page).
func referralNotice(ref *Referral, r *Request, members []int64, now time.Time) notify.DirectNotice {
	no := strconv.FormatInt(ref.RequestID, 10)
	return notify.DirectNotice{
		Kind: notify.KindEnterpriseReferral, Category: "policy", ResidentIDs: members, DepartmentID: r.DepartmentID,
		Title: "企业诉求先行处理：请在期限内答复",
		Body: fmt.Sprintf("有市民通过「民意速办」反映与您绑定的企业（统一社会信用代码 %s）有关的诉求（编号 %s）。请于 %s前在 i福田「我的企业」中查看并答复；逾期未答复的，由主管部门直接处理。企业的答复供主管部门办理时参考，不直接计入企业信用评价。",
			ref.USCC, no, DeadlineDay(ref.DueAt, now)),
		Data:   map[string]string{"uscc": ref.USCC, "request_no": no, "deadline": district.Date(ref.DueAt.Add(-time.Nanosecond))},
		Target: &notify.Target{Type: notify.TargetEnterprise, ID: ref.USCC},
		Source: "request:" + no + ":referral",
	}
}

// EnterpriseCase is a request referred to an enterprise, as its members
// read it: what and where, never who (no resident, contact or photos).
type EnterpriseCase struct {
	RequestID    int64      `json:"request_id,string"`
	Category     string     `json:"category"`
	CategoryName string     `json:"category_name"`
	Description  string     `json:"description"`
	Street       string     `json:"street"`
	Community    string     `json:"community"`
	Address      string     `json:"address"`
	SubmittedAt  time.Time  `json:"submitted_at"`
	ReferredAt   time.Time  `json:"referred_at"`
	DueAt        time.Time  `json:"due_at"`
	DueText      string     `json:"due_text"`
	Outcome      string     `json:"outcome"`
	Response     string     `json:"response"`
	RespondedAt  *time.Time `json:"responded_at"`
	CanRespond   bool       `json:"can_respond"`
}

// EnterpriseCases lists the requests referred to an enterprise, newest
// first, for one of its bound members (ErrNotMember otherwise).
func (s *Service) EnterpriseCases(ctx context.Context, residentID int64, uscc string) ([]EnterpriseCase, error) {
	e, err := s.enterprises.MemberOf(ctx, residentID, uscc)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Referral
		Category    string
		Description string
		Street      string
		Community   string
		Address     string
		CreatedAt   time.Time
	}
	err = s.db.WithContext(ctx).Table("request_referrals AS f").
		Select("f.*, r.category, r.description, r.street, r.community, r.address, r.created_at").
		Joins("JOIN requests r ON r.id = f.request_id").
		Where("f.enterprise_id = ? AND r.erased_at IS NULL", e.ID).
		Order("f.request_id DESC").Limit(100).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("enterprise cases: %w", err)
	}
	cats, err := s.Categories(ctx, false)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, c := range cats {
		names[c.Code] = c.Name
	}
	now := s.clock()
	out := make([]EnterpriseCase, len(rows))
	for i, r := range rows {
		out[i] = EnterpriseCase{RequestID: r.RequestID, Category: r.Category, CategoryName: names[r.Category],
			Description: r.Description, Street: r.Street, Community: r.Community, Address: r.Address,
			SubmittedAt: r.CreatedAt, ReferredAt: r.ReferredAt, DueAt: r.DueAt, DueText: DeadlineDay(r.DueAt, now) + "前答复",
			Outcome: r.Outcome, Response: r.Response, RespondedAt: r.RespondedAt,
			CanRespond: r.Outcome == ReferralPending && now.Before(r.DueAt)}
	}
	return out, nil
}

// Respond is an enterprise member's answer to a referral: resolved (put
// right) or not, with a text the desk reads. The request goes back to its
// desk at once. Returns ErrNotMember for a resident not bound to the
// enterprise, ErrNotFound for a request not referred to it, conflict after
// the window or a second answer, invalid_argument naming response.
func (s *Service) Respond(ctx context.Context, residentID int64, uscc string, requestID int64, resolved bool, response string) (*EnterpriseCase, error) {
	response = strings.TrimSpace(response)
	if c := utf8.RuneCountInString(response); text.Blank(response) || c > MaxEnterpriseResponse {
		return nil, apperr.Field("response", "须为 1–"+strconv.Itoa(MaxEnterpriseResponse)+" 个字")
	}
	e, err := s.enterprises.MemberOf(ctx, residentID, uscc)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	err = s.endReferral(ctx, requestID, func(ref *Referral) (string, map[string]any, string, error) {
		if ref.EnterpriseID != e.ID {
			return "", nil, "", ErrNotFound
		}
		outcome, err := decideEnd(endFacts{Outcome: ref.Outcome, DueAt: ref.DueAt}, true, resolved, now)
		if err != nil {
			return "", nil, "", err
		}
		why := "企业已答复：已整改"
		if outcome == ReferralDisputed {
			why = "企业已答复：未整改或有说明"
		}
		return outcome, map[string]any{"response": response, "responded_by": residentID, "responded_at": now}, why + "，转由承办部门处理", nil
	}, now)
	if err != nil {
		return nil, err
	}
	cases, err := s.EnterpriseCases(ctx, residentID, uscc)
	if err != nil {
		return nil, err
	}
	for i := range cases {
		if cases[i].RequestID == requestID {
			return &cases[i], nil
		}
	}
	return nil, ErrNotFound
}

// endReferral ends request id's referral as decide says (the outcome, the
// referral's other columns, the history's reason) and returns the request
// to its desk, in one transaction.
func (s *Service) endReferral(ctx context.Context, id int64, decide func(*Referral) (string, map[string]any, string, error), now time.Time) error {
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var ref Referral
		err := tx.Take(&ref, "request_id = ?", id).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		r, err := load(tx, id)
		if err != nil {
			return err
		}
		outcome, cols, reason, err := decide(&ref)
		if err != nil {
			return err
		}
		if cols == nil {
			cols = map[string]any{}
		}
		cols["outcome"], cols["closed_at"] = outcome, now
		res := tx.Model(&Referral{}).Where("request_id = ? AND outcome = ?", id, ReferralPending).Updates(cols)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrStale
		}
		action := Action(ActEnterpriseDone)
		if outcome == ReferralExpired {
			action = ActReferralExpire
		}
		if r.Status == StatusWithEnterprise {
			res = tx.Model(&Request{}).Where("id = ? AND version = ?", r.ID, r.Version).Updates(map[string]any{
				"status": StatusAccepted, "version": r.Version + 1, "arrived_at": now, "updated_at": now,
			})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return ErrStale
			}
		}
		return tx.Create(&Event{RequestID: r.ID, Action: action, ToDepartmentID: r.DepartmentID, Reason: reason, CreatedAt: now}).Error
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return err
		}
		return fmt.Errorf("end referral: %w", err)
	}
	return nil
}

// ExpireReferrals returns to their desks the referred requests whose
// enterprise did not answer within the window. It returns how many.
func (s *Service) ExpireReferrals(ctx context.Context) (int, error) {
	now := s.clock()
	var ids []int64
	if err := s.db.WithContext(ctx).Model(&Referral{}).Where("outcome = ? AND due_at <= ?", ReferralPending, now).
		Order("due_at").Limit(500).Pluck("request_id", &ids).Error; err != nil {
		return 0, fmt.Errorf("expire referrals: %w", err)
	}
	n := 0
	for _, id := range ids {
		err := s.endReferral(ctx, id, func(ref *Referral) (string, map[string]any, string, error) {
			outcome, err := decideEnd(endFacts{Outcome: ref.Outcome, DueAt: ref.DueAt}, false, false, now)
			return outcome, nil, "企业未在期限内答复，转由承办部门处理", err
		}, now)
		if apperr.CodeOf(err) == apperr.Conflict || errors.Is(err, ErrNotFound) {
			continue // answered or erased meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// attachReferrals puts each request's referral in the staff views.
func (s *Service) attachReferrals(ctx context.Context, rows []Request, out []StaffView, forStaff bool) error {
	if !forStaff || len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var refs []Referral
	if err := s.db.WithContext(ctx).Where("request_id IN ?", ids).Find(&refs).Error; err != nil {
		return fmt.Errorf("load referrals: %w", err)
	}
	now := s.clock()
	for _, ref := range refs {
		for i := range rows {
			if rows[i].ID == ref.RequestID {
				out[i].Referral = &ReferralView{USCC: ref.USCC, ReferredAt: ref.ReferredAt, DueAt: ref.DueAt,
					DueText: DeadlineDay(ref.DueAt, now) + "前答复", Outcome: ref.Outcome, Response: ref.Response,
					RespondedAt: ref.RespondedAt}
			}
		}
	}
	return nil
}

// eraseReferralAnswers blanks the answers a deleted resident gave for an
// enterprise (in the deletion's transaction).
func eraseReferralAnswers(tx *gorm.DB, residentID int64) error {
	if err := tx.Model(&Referral{}).Where("responded_by = ?", residentID).Update("response", "").Error; err != nil {
		return fmt.Errorf("erase referral answers: %w", err)
	}
	return nil
}
