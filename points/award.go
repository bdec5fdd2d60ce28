package points

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	modernc "modernc.org/sqlite"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

var errNoRows = sql.ErrNoRows

// errRollback ends a transaction that found nothing to write.
var errRollback = errors.New("nothing to write")

// AwardRequest asks for points under a rule. ExternalID names the event
// (a volunteer shift, a verified report): the same RuleCode+ExternalID is
// awarded at most once.
type AwardRequest struct {
	ResidentID int64
	RuleCode   string
	ExternalID string
	Note       string
}

// Validate checks an award request's fields.
func (r *AwardRequest) Validate() error {
	f := map[string]string{}
	if r.ResidentID <= 0 {
		f["resident_id"] = "必填"
	}
	if r.RuleCode == "" {
		f["rule_code"] = "必填"
	}
	if n := len(r.ExternalID); n == 0 || n > 64 {
		f["external_id"] = "须为 1–64 个字符"
	}
	if len([]rune(r.Note)) > 200 {
		f["note"] = "不能多于 200 个字符"
	}
	return apperr.Fields(f)
}

// Award grants points under a rule on behalf of staff member actor. It is
// idempotent on RuleCode+ExternalID: a repeat returns the first transaction
// with repeated = true and changes nothing. The rule must be one the
// actor's scope may use (its department's or a district-wide one:
// ErrRuleForbidden) and the resident in the actor's streets
// (ErrResidentNotFound). An award over a cap is recorded as refused, grants
// nothing and returns ErrCapReached with the reason.
func (s *Service) Award(ctx context.Context, actor *staff.Member, req AwardRequest) (*Transaction, bool, error) {
	var id *int64
	if actor != nil {
		id = &actor.ID
	}
	return s.grant(ctx, actor.Scope(), id, req)
}

// Grant is Award for work done on behalf of a department rather than by a
// member (a passed quiz of a survey, an activity's hours): by is the
// department's scope (staff.DepartmentScope; staff.DistrictScope for the
// district), which must be allowed the rule exactly as a member would be,
// and the grant is attributed to its department.
func (s *Service) Grant(ctx context.Context, by staff.Scope, req AwardRequest) (*Transaction, bool, error) {
	return s.grant(ctx, by, nil, req)
}

// UsableRule returns rule code if by may grant points under it (its
// department's rule or a district-wide one). Returns ErrRuleNotFound or
// ErrRuleForbidden.
func (s *Service) UsableRule(ctx context.Context, by staff.Scope, code string) (*Rule, error) {
	rule, err := s.rule(ctx, strings.TrimSpace(code))
	if err != nil {
		return nil, err
	}
	if !by.MayUse(rule.DepartmentID) {
		return nil, ErrRuleForbidden
	}
	return rule, nil
}

func (s *Service) grant(ctx context.Context, by staff.Scope, staffID *int64, req AwardRequest) (*Transaction, bool, error) {
	t, repeated, err := s.award(ctx, by, staffID, req)
	if db.IsDuplicate(err) {
		// The rule and external_id were awarded to another resident (one
		// resident's own awards are serialized and found by the lookup).
		return nil, false, ErrExternalIDTaken
	}
	return t, repeated, err
}

func (s *Service) award(ctx context.Context, by staff.Scope, staffID *int64, req AwardRequest) (*Transaction, bool, error) {
	req.RuleCode = strings.TrimSpace(req.RuleCode)
	req.ExternalID = strings.TrimSpace(req.ExternalID)
	if err := req.Validate(); err != nil {
		return nil, false, err
	}
	rule, err := s.rule(ctx, req.RuleCode)
	if err != nil {
		return nil, false, err
	}
	if !by.MayUse(rule.DepartmentID) {
		return nil, false, ErrRuleForbidden
	}
	// The first attempt reads without a lock and writes the grant in one
	// statement (a refusal, or a grant that repays debts, in a short
	// transaction): the account's version, checked by the ledger's trigger,
	// refuses the write if anything was posted or refused for the resident
	// since the read. Then it is decided again under the resident's lock,
	// where one resident's awards queue instead of racing.
	var o awardOutcome
	err = s.decideAward(s.db.WithContext(ctx), false, by, staffID, rule, req, &o)
	if db.IsRetryable(err) {
		err = s.transact(ctx, func(tx *gorm.DB) error {
			return s.decideAward(tx, true, by, staffID, rule, req, &o)
		})
	}
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil {
		if apperr.CodeOf(err) != "" || db.IsDuplicate(err) {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("award points: %w", err)
	}
	if o.refusal != "" {
		return nil, o.repeated, ErrCapReached.With("reason", o.refusal)
	}
	return o.t, o.repeated, nil
}

// awardOutcome is what deciding an award came to: a grant (t), or a
// refusal's reason; repeated when it is an earlier decision's.
type awardOutcome struct {
	t        *Transaction
	repeated bool
	refusal  string
}

// decideAward reads what an award depends on and writes its outcome
// through q: inside a transaction with the resident locked (locked), or
// else as single statements that fail with a serialization failure when
// the account changed after the read. errRollback means nothing was
// written and o holds the answer.
func (s *Service) decideAward(q *gorm.DB, locked bool, by staff.Scope, staffID *int64, rule *Rule, req AwardRequest, o *awardOutcome) error {
	*o = awardOutcome{}
	now := s.now().UTC()
	day, month := periodStarts(now)
	extra := `, (SELECT f.reason FROM point_award_refusals f WHERE f.rule_code = ? AND f.external_id = ? AND f.resident_id = r.id)`
	args := []any{rule.Code, req.ExternalID}
	// One count serves both caps: the day lies inside the month, so a
	// month's count under the daily cap puts the day's under it too. Only a
	// resident with that many awards this month needs the day counted apart
	// (below).
	const count = `, (SELECT COUNT(*) FROM point_transactions c WHERE c.resident_id = r.id AND c.rule_code = ? AND c.created_at >= ?)`
	if rule.DailyCap > 0 || rule.MonthlyCap > 0 {
		extra += count
		since := month
		if rule.MonthlyCap == 0 {
			since = day
		}
		args = append(args, rule.Code, since)
	} else {
		extra += ", 0"
	}
	// One statement reads what the decision needs: balance and version, an
	// earlier refusal, the cap count. An earlier grant is found by the
	// ledger's unique key on (kind, idem) when the posting below fails on it
	// (see repeat).
	var (
		prevRefusal *string
		n           int64 // awards of the rule since the start of the month (the day, with a daily cap only)
	)
	a, err := s.readAccount(q, req.ResidentID, locked, extra, args, &prevRefusal, &n)
	if err != nil {
		return err
	}
	nDay, nMonth := n, n
	if rule.DailyCap > 0 && rule.MonthlyCap > 0 && n >= int64(rule.DailyCap) {
		if err := q.Raw(`SELECT COUNT(*) FROM point_transactions WHERE resident_id = ? AND rule_code = ? AND created_at >= ?`,
			req.ResidentID, rule.Code, day).Row().Scan(&nDay); err != nil {
			return err
		}
	}
	if !by.CoversStreet(a.street) {
		return ErrResidentNotFound
	}
	idem := rule.Code + "/" + req.ExternalID
	// repeat looks up an earlier grant of this award (prev, nil if none
	// shows) and, if it was this resident's (mine), makes it the answer.
	// Another resident's grant of the same external_id is left to the
	// caller (ErrExternalIDTaken).
	repeat := func() (prev *Transaction, mine bool, err error) {
		prev, err = findTransaction(q, Earn, idem)
		if err == nil && prev != nil && prev.ResidentID == req.ResidentID {
			o.t, o.repeated, mine = prev, true, true
		}
		return prev, mine, err
	}
	if prevRefusal != nil {
		o.refusal, o.repeated = *prevRefusal, true
		return errRollback
	}
	if !rule.activeAt(now) {
		// A grant made while the rule was active is still its answer.
		if _, mine, err := repeat(); mine || err != nil {
			return cmp.Or(err, errRollback)
		}
		return ErrRuleInactive
	}
	switch {
	case rule.DailyCap > 0 && nDay >= int64(rule.DailyCap):
		o.refusal = "daily_cap"
	case rule.MonthlyCap > 0 && nMonth >= int64(rule.MonthlyCap):
		o.refusal = "monthly_cap"
	}
	if o.refusal != "" {
		// A grant the cap has since been reached after is still its answer.
		if _, mine, err := repeat(); mine || err != nil {
			o.refusal = ""
			return cmp.Or(err, errRollback)
		}
		// The refusal is part of the record: commit it. It takes the
		// account's next version, so that a grant of the same award decided
		// on the same reading fails, and this refusal fails if one came first.
		return atomically(q, locked, func(tx *gorm.DB) error {
			if err := s.bumpVersion(tx, a); err != nil {
				return err
			}
			return tx.Exec(`INSERT INTO point_award_refusals (resident_id, rule_code, rule_version, external_id, reason, staff_id, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`, req.ResidentID, rule.Code, rule.Version, req.ExternalID, o.refusal, staffID, now).Error
		})
	}
	code, ext, ruleVersion := rule.Code, req.ExternalID, rule.Version
	o.t = &Transaction{
		Delta: int64(rule.Points), Kind: Earn, Idem: idem, RuleCode: &code, RuleVersion: &ruleVersion,
		ExternalID: &ext, Reason: orDefault(req.Note, rule.Name), StaffID: staffID,
		DepartmentID: by.Department(), ExpiresAt: rule.expiresAt(now), CreatedAt: now,
	}
	if a.balance < 0 {
		// Paying debts writes lots as well: those and the posting go together.
		err = atomically(q, locked, func(tx *gorm.DB) error { return s.credit(tx, a, o.t) })
	} else {
		err = s.credit(q, a, o.t)
	}
	if !db.IsDuplicate(err) {
		return err
	}
	// Granted before: to this resident (the answer, nothing changes) or to
	// another (the duplicate error stands).
	o.t = nil
	prev, mine, lerr := repeat()
	switch {
	case mine || lerr != nil:
		return cmp.Or(lerr, errRollback)
	case prev == nil:
		// The grant was committed after this transaction's first read, so
		// that its snapshot does not show it: decide again.
		return db.ErrSerialization
	}
	return err
}

// atomically runs fn in q, which is a transaction already when inTx, or
// else in a new transaction of q's.
func atomically(q *gorm.DB, inTx bool, fn func(tx *gorm.DB) error) error {
	if inTx {
		return fn(q)
	}
	return q.Transaction(fn)
}

// periodStarts returns the starts of now's district day and month, in UTC.
func periodStarts(now time.Time) (day, month time.Time) {
	return district.DayStart(now), district.MonthStart(now)
}

func staffID(m *staff.Member) *int64 {
	if m == nil {
		return nil
	}
	return &m.ID
}

func orDefault(s, def string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return def
}

// isFK reports a foreign-key violation (MySQL 1452, SQLite 787).
func isFK(err error) bool {
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1452
	}
	var se *modernc.Error
	if errors.As(err, &se) {
		return se.Code() == 787
	}
	return false
}
