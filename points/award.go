package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	modernc "modernc.org/sqlite"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

var errNoRows = sql.ErrNoRows

// AwardRequest asks for points under a rule. ExternalID names the event
// (a volunteer shift, a verified report): the same RuleCode+ExternalID is
// awarded at most once. Its tags are the one statement of its limits: the
// API binds a staff member's award into it (check.Struct), and Grant checks
// its other callers' requests the same way.
type AwardRequest struct {
	ResidentID int64  `json:"resident_id,string" binding:"required" example:"1"`
	RuleCode   string `json:"rule_code" binding:"required,max=32" example:"volunteer_hour"`
	ExternalID string `json:"external_id" binding:"required,max=64" doc:"The awarded event, e.g. a volunteer shift ID" example:"activity-2026-0315-1"`
	Note       string `json:"note" binding:"max=200" doc:"the transaction's reason, shown to the resident in their ledger (default: the rule's name)"`
}

// Award grants points under a rule on behalf of staff member actor; req
// is checked by its tags already (the API's bindJSON), so the award's hot
// path walks it once. It is
// idempotent on RuleCode+ExternalID: a repeat returns the first transaction
// with repeated = true and changes nothing. The rule must be one the
// actor's scope may use (its department's or a district-wide one:
// ErrRuleForbidden) and the resident in the actor's streets
// (ErrResidentNotFound; a nil actor covers nothing). An award over a cap
// is recorded as refused, grants nothing and returns ErrCapReached with the
// reason. Returns ErrExternalIDTaken when the rule and external_id were
// awarded to another resident, and ErrBusy when the resident's account kept
// changing under the award through every retry.
func (s *Service) Award(ctx context.Context, actor *staff.Member, req AwardRequest) (*Transaction, bool, error) {
	return s.grant(ctx, actor.Scope(), staffID(actor), req)
}

// Grant is Award for work done on behalf of a department rather than by a
// member (a passed quiz of a survey, an activity's hours): scope is the
// department's scope (staff.DepartmentScope; staff.DistrictScope for the
// district), which must be allowed the rule exactly as a member would be,
// and the grant is attributed to its department.
func (s *Service) Grant(ctx context.Context, scope staff.Scope, req AwardRequest) (*Transaction, bool, error) {
	if err := check.Struct(&req); err != nil {
		return nil, false, err
	}
	return s.grant(ctx, scope, nil, req)
}

// UsableRule returns rule code if scope may grant points under it (its
// department's rule or a district-wide one). Returns ErrRuleNotFound or
// ErrRuleForbidden.
func (s *Service) UsableRule(ctx context.Context, scope staff.Scope, code string) (*Rule, error) {
	rule, err := s.rule(ctx, strings.TrimSpace(code))
	if err != nil {
		return nil, err
	}
	if !scope.MayUse(rule.DepartmentID) {
		return nil, ErrRuleForbidden
	}
	return rule, nil
}

func (s *Service) grant(ctx context.Context, scope staff.Scope, staffID *int64, req AwardRequest) (*Transaction, bool, error) {
	req.RuleCode = strings.TrimSpace(req.RuleCode)
	req.ExternalID = strings.TrimSpace(req.ExternalID)
	rule, err := s.rule(ctx, req.RuleCode)
	if err != nil {
		return nil, false, err
	}
	if !scope.MayUse(rule.DepartmentID) {
		return nil, false, ErrRuleForbidden
	}
	c := awardCall{AwardRequest: req, scope: scope, staffID: staffID}
	// The first attempt reads without a lock, in one prepared statement,
	// and writes the outcome: the account's version, checked by the
	// ledger's trigger, refuses the write if anything was posted or refused
	// for the resident since the read. Then it is decided again under the
	// resident's lock, where one resident's awards queue instead of racing.
	out, err := s.awardOnce(ctx, s.queryRow(ctx), rule, c, func(f awardFacts, out awardOutcome) error {
		if out.Grant != nil && f.balance >= 0 {
			// A grant on an account without debts is the ledger's INSERT
			// alone (prepared; the trigger moves the account and opens the
			// lot). It stays a statement of its own, for speed: the
			// request's audit entry is written right after it (batched with
			// other requests', staff.Audit), and the posting itself names
			// the staff member, department, rule and time (README, "How it
			// keeps residents' data safe").
			err := s.insertGrant(ctx, f.account, out.Grant)
			if db.IsDuplicate(err) {
				return db.ErrSerialization // granted since f was read: see applyAward
			}
			if err == nil {
				auditGrant(ctx, out)
			}
			return err
		}
		// A refusal or a grant that repays debts: a short transaction with
		// the request's audit entry; a conflict goes to the locked attempt.
		return db.TransactOnce(ctx, s.db, func(tx *gorm.DB) error { return s.applyAudited(ctx, tx, f, out) })
	})
	if db.IsRetryable(err) {
		out, err = transactFor(ctx, s, func(tx *gorm.DB) (awardOutcome, error) {
			if err := s.lockResident(tx, c.ResidentID); err != nil {
				return awardOutcome{}, err
			}
			return s.awardOnce(ctx, gormRow(tx), rule, c, func(f awardFacts, out awardOutcome) error {
				return s.applyAudited(ctx, tx, f, out)
			})
		})
	}
	switch {
	case err != nil && apperr.CodeOf(err) != "":
		return nil, false, err
	case err != nil:
		return nil, false, fmt.Errorf("award points: %w", err)
	case out.Refusal != nil:
		return nil, out.Repeated, ErrCapReached.With("reason", out.Refusal.Reason)
	}
	return out.Grant, out.Repeated, nil
}

// auditGrant names the grant of out, if any, in the request's audit entry.
func auditGrant(ctx context.Context, out awardOutcome) {
	if out.Grant != nil && out.Grant.ID != 0 {
		staff.AuditTarget(ctx, "transactions", strconv.FormatInt(out.Grant.ID, 10))
	}
}

// awardCall is one award as asked for: the request, the scope it is made
// within and the staff member making it (nil for a department's grant).
type awardCall struct {
	AwardRequest
	scope   staff.Scope
	staffID *int64
}

// idem is the award's key in the ledger: one grant per rule and external_id.
func (c awardCall) idem() string { return c.RuleCode + "/" + c.ExternalID }

// awardFacts is what an award's outcome depends on (loadAward).
type awardFacts struct {
	account // the resident's, at the version the outcome is written on
	// refusal is the reason this award was refused for this resident
	// before, if it was.
	refusal *string
	// earlier is this award's grant (to whichever resident), if it was
	// granted before.
	earlier *Transaction
	// today and thisMonth count the rule's grants to the resident since the
	// start of the district's day and month, as far as the rule's caps
	// need them: a period the rule does not cap may be counted as the other
	// one, and today may be this month's count while that is under the
	// daily cap.
	today, thisMonth int64
}

// awardOutcome is what an award comes to: a grant or a refusal, exactly one
// of them; Repeated when it is an earlier decision's, which is the answer
// and writes nothing.
type awardOutcome struct {
	Grant    *Transaction
	Refusal  *awardRefusal
	Repeated bool
}

// awardRefusal is a row of point_award_refusals: an award refused at a cap.
type awardRefusal struct {
	ResidentID  int64
	RuleCode    string
	RuleVersion int
	ExternalID  string
	Reason      string // "daily_cap" or "monthly_cap"
	StaffID     *int64
	CreatedAt   time.Time
}

// awardOnce decides award c under rule on what it reads through q and
// writes the outcome, unless it repeats an earlier one, through write,
// which writes the request's audit entry too (naming the grant) when the
// outcome is written. A write on a reading that has been overtaken fails
// with a retryable error and writes nothing.
func (s *Service) awardOnce(ctx context.Context, q queryRow, rule *Rule, c awardCall, write func(f awardFacts, out awardOutcome) error) (awardOutcome, error) {
	now := s.now().UTC()
	f, err := s.loadAward(q, rule, c, now)
	if err != nil {
		return awardOutcome{}, err
	}
	out, err := decideAward(f, rule, c, now)
	if err != nil || out.Repeated {
		return out, err
	}
	return out, write(f, out)
}

// applyAudited is applyAward in transaction tx, naming the grant in the
// request's audit entry, which the transaction writes before it commits.
func (s *Service) applyAudited(ctx context.Context, tx *gorm.DB, f awardFacts, out awardOutcome) error {
	if err := s.applyAward(tx, f, out); err != nil {
		return err
	}
	auditGrant(ctx, out)
	return nil
}

// loadAward reads the facts of award c under rule at now through q: one
// statement, and a second only for an earlier grant (by its ID) or for a
// day's count that could reach the daily cap. Returns ErrResidentNotFound
// for an unknown resident.
//
// It takes no lock (the locked retry locks the resident beforehand, see
// lockResident), so the account, the refusal and the earlier grant are
// joined rather than read by subqueries: each table a statement reads costs
// MariaDB about as much as the lookup in it.
func (s *Service) loadAward(q queryRow, rule *Rule, c awardCall, now time.Time) (awardFacts, error) {
	day, month := periodStarts(now)
	// One count serves both caps: the day lies inside the month, so a
	// month's count under the daily cap puts the day's under it too. Only a
	// resident with that many grants this month needs the day counted apart.
	since := month
	if rule.MonthlyCap == 0 {
		since = day
	}
	f := awardFacts{account: account{residentID: c.ResidentID}}
	var earlier *int64
	var n int64
	err := q(loadAwardSQL, rule.Code, since, rule.Code, c.ExternalID, c.idem(), c.ResidentID).
		Scan(&f.street, &f.deleted, &f.balance, &f.version, &f.refusal, &earlier, &n)
	if errors.Is(err, errNoRows) {
		return f, ErrResidentNotFound
	}
	if err != nil {
		return f, fmt.Errorf("read award: %w", err)
	}
	f.today, f.thisMonth = n, n
	if rule.DailyCap > 0 && rule.MonthlyCap > 0 && n >= int64(rule.DailyCap) {
		err := q(`SELECT COUNT(*) FROM point_transactions WHERE resident_id = ? AND rule_code = ? AND created_at >= ?`,
			c.ResidentID, rule.Code, day).Scan(&f.today)
		if err != nil {
			return f, fmt.Errorf("read award: %w", err)
		}
	}
	if earlier != nil {
		t, err := s.transaction(q, *earlier)
		if err != nil {
			return f, fmt.Errorf("read earlier grant: %w", err)
		}
		f.earlier = t
	}
	return f, nil
}

// loadAwardSQL reads an award's facts (loadAward): one statement, prepared
// once (hot.go), over the residents table as residents states it.
var loadAwardSQL = `SELECT ` + residents.StreetColumn("r") + `, ` + residents.Deleted("r") + `, COALESCE(a.balance, 0), COALESCE(a.version, 0), f.reason, t.id,
(SELECT COUNT(*) FROM point_transactions n WHERE n.resident_id = ` + residents.IDColumn("r") + ` AND n.rule_code = ? AND n.created_at >= ?)
FROM ` + residents.From("r") + `
LEFT JOIN point_accounts a ON a.resident_id = ` + residents.IDColumn("r") + `
LEFT JOIN point_award_refusals f ON f.rule_code = ? AND f.external_id = ? AND f.resident_id = ` + residents.IDColumn("r") + `
LEFT JOIN point_transactions t ON t.kind = 'earn' AND t.idem = ?
WHERE ` + residents.IDColumn("r") + ` = ?`

// decideAward decides award c under rule at now on facts f. An award
// decided before keeps its outcome: a refusal stays refused, and a grant
// is the answer even past the cap or after the rule ended. Returns
// ErrResidentNotFound for a resident outside c's scope or deleted,
// ErrExternalIDTaken when the award was granted to another resident and
// ErrRuleInactive outside the rule's validity.
func decideAward(f awardFacts, rule *Rule, c awardCall, now time.Time) (awardOutcome, error) {
	switch {
	case f.deleted || !c.scope.CoversStreet(f.street):
		return awardOutcome{}, ErrResidentNotFound
	case f.refusal != nil:
		return awardOutcome{Refusal: &awardRefusal{Reason: *f.refusal}, Repeated: true}, nil
	case f.earlier != nil && f.earlier.ResidentID == c.ResidentID:
		return awardOutcome{Grant: f.earlier, Repeated: true}, nil
	case f.earlier != nil:
		return awardOutcome{}, ErrExternalIDTaken
	case rule.Kind == DeductRule:
		return awardOutcome{}, ErrDeductionRule
	case !rule.activeAt(now):
		return awardOutcome{}, ErrRuleInactive
	}
	reason := ""
	switch {
	case rule.DailyCap > 0 && f.today >= int64(rule.DailyCap):
		reason = string(apperr.ReasonDailyCap)
	case rule.MonthlyCap > 0 && f.thisMonth >= int64(rule.MonthlyCap):
		reason = string(apperr.ReasonMonthlyCap)
	}
	if reason != "" {
		return awardOutcome{Refusal: &awardRefusal{
			ResidentID: c.ResidentID, RuleCode: rule.Code, RuleVersion: rule.Version, ExternalID: c.ExternalID,
			Reason: reason, StaffID: c.staffID, CreatedAt: now,
		}}, nil
	}
	code, ext, version := rule.Code, c.ExternalID, rule.Version
	return awardOutcome{Grant: &Transaction{
		ResidentID: c.ResidentID, Delta: int64(rule.Points), Kind: Earn, Idem: c.idem(), RuleCode: &code, RuleVersion: &version,
		ExternalID: &ext, Reason: orDefault(c.Note, rule.Name), StaffID: c.staffID, DepartmentID: c.scope.Department(),
		ExpiresAt: rule.expiresAt(now), CreatedAt: now,
	}}, nil
}

// applyAward writes outcome out through tx, on account f.account (a
// transaction, unless out is a grant without debts to repay): a grant's
// posting (with the lots that repay debts), or a refusal's row
// together with the account's next version, so that a grant and a refusal
// of one award cannot both be written on one reading. A repeated outcome
// writes nothing. A write on an account that has moved since f was read
// fails with a retryable error, as does a grant that another request made
// meanwhile (decided again, it is the repeat's answer or
// ErrExternalIDTaken). Returns ErrExternalIDTaken for a refusal of an
// external_id another resident was refused.
func (s *Service) applyAward(tx *gorm.DB, f awardFacts, out awardOutcome) error {
	if out.Repeated {
		return nil
	}
	if out.Refusal != nil {
		r := out.Refusal
		err := s.bumpVersion(tx, &f.account)
		if err == nil {
			err = tx.Exec(`INSERT INTO point_award_refusals (resident_id, rule_code, rule_version, external_id, reason, staff_id, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ResidentID, r.RuleCode, r.RuleVersion, r.ExternalID, r.Reason, r.StaffID, r.CreatedAt).Error
		}
		if db.IsDuplicate(err) {
			return ErrExternalIDTaken
		}
		return err
	}
	err := s.credit(tx, &f.account, out.Grant)
	if db.IsDuplicate(err) {
		// Granted since f was read (the ledger's unique key): decided again,
		// that grant is the answer, or another resident's.
		return db.ErrSerialization
	}
	return err
}

// lockResident locks resident id's row for the rest of transaction tx, so
// that the resident's locking writers queue one behind the other. It reads
// nothing else, and the award's facts are read after it in a plain
// statement: a locking read of them would lock the account, refusal and
// ledger rows it joins (a missing one's gap too), and MariaDB looks up a
// statement's lone-row parts (an earlier grant by its unique key) before it
// waits for the lock, fixing the transaction's snapshot before the previous
// holder commits (with it, awards at one busy resident ran out of retries).
func (s *Service) lockResident(tx *gorm.DB, id int64) error {
	var ids []int64
	if err := tx.Raw("SELECT "+residents.IDColumn("r")+" FROM "+residents.From("r")+" WHERE "+residents.IDColumn("r")+" = ?"+s.forUpdate, id).Scan(&ids).Error; err != nil {
		return fmt.Errorf("lock resident: %w", err)
	}
	if len(ids) == 0 {
		return ErrResidentNotFound
	}
	return nil
}

// transactFor is transact for a function with a result.
func transactFor[T any](ctx context.Context, s *Service, fn func(tx *gorm.DB) (T, error)) (T, error) {
	var v T
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
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
