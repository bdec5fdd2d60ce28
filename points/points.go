// Package points keeps residents' personal points (个人积分): an
// append-only ledger, earning rules, deductions with appeal, and rewards.
//
// Invariants, for every resident, after every committed transaction:
// point_accounts.balance = SUM(point_transactions.delta) = SUM(point_lots.remaining),
// and the newest ledger row's balance_after is the balance. Every change of
// a balance locks the resident's row first (lockAccount), so postings of one
// resident are serialized; postings of different residents run in parallel.
package points

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
)

// district is the district's zone (Asia/Shanghai): "per day" and "per
// month" caps and "end of next year" expiries are counted in it.
var district = time.FixedZone("Asia/Shanghai", 8*60*60)

// Errors returned by the Service.
var (
	ErrNotFound           = apperr.New(apperr.NotFound, "记录不存在")
	ErrResidentNotFound   = apperr.New(apperr.NotFound, "居民不存在")
	ErrRuleNotFound       = apperr.Field("rule_code", "积分规则不存在")
	ErrRuleInactive       = apperr.Field("rule_code", "积分规则不在有效期内")
	ErrRuleForbidden      = apperr.New(apperr.PermissionDenied, "该规则属于其他部门，无权发放")
	ErrRuleOwned          = apperr.New(apperr.PermissionDenied, "该规则属于其他部门，无权修改")
	ErrExternalIDTaken    = apperr.New(apperr.Conflict, "该 external_id 已用于其他居民的奖励")
	ErrInsufficientPoints = apperr.New(apperr.InsufficientPoints, "积分不足")
	ErrOutOfStock         = apperr.New(apperr.OutOfStock, "奖品已兑完")
	ErrLimitReached       = apperr.New(apperr.Conflict, "已达该奖品的每人兑换上限").With("reason", "per_resident_limit")
	ErrLevelTooLow        = apperr.New(apperr.PermissionDenied, "等级不足，暂不能兑换该奖品").With("reason", "min_level")
	ErrRewardUnavailable  = apperr.New(apperr.Conflict, "奖品不在兑换期内").With("reason", "not_available")
	ErrIdempotencyReused  = apperr.New(apperr.Conflict, "Idempotency-Key 已用于其他请求")
	ErrVoucherUsed        = apperr.New(apperr.Conflict, "兑换券已使用或已取消")
	ErrNotCancellable     = apperr.New(apperr.Conflict, "只有未使用的兑换券可以取消")
	ErrNotDeduction       = apperr.Field("transaction_id", "只能对扣分记录申诉")
	ErrAppealExists       = apperr.New(apperr.Conflict, "该扣分已申诉过")
	ErrAppealDecided      = apperr.New(apperr.Conflict, "该申诉已处理")
)

// ErrCapReached is returned when an award would pass a rule's daily or
// monthly cap; the refusal is recorded and nothing is granted. Its details
// carry "reason": "daily_cap" or "monthly_cap".
var ErrCapReached = apperr.New(apperr.Conflict, "已达该规则的奖励上限")

// Kind is the kind of a ledger transaction.
type Kind string

// The ledger's transaction kinds.
const (
	Earn    Kind = "earn"    // an award under a rule
	Spend   Kind = "spend"   // a redemption
	Deduct  Kind = "deduct"  // an enforcement case
	Expire  Kind = "expire"  // a lot reached its expiry
	Reverse Kind = "reverse" // an approved appeal undoes a deduction
	Refund  Kind = "refund"  // a cancelled voucher
)

// DefaultLevels are the lifetime-earned thresholds of levels 1, 2, 3, …:
// a resident is at the highest level whose threshold they have reached.
var DefaultLevels = []int64{0, 100, 300, 1000, 3000, 10000}

// Service manages points. It is safe for concurrent use.
type Service struct {
	db        *gorm.DB
	now       func() time.Time
	forUpdate string // " FOR UPDATE" on MySQL; SQLite serializes writers anyway
	// upsertAccount creates or locks an account, adding a delta.
	upsertAccount string
	levels        []int64

	mu    sync.Mutex
	rules map[string]cachedRule
}

// New returns a Service over db.
func New(gdb *gorm.DB) *Service {
	s := &Service{db: gdb, now: time.Now, levels: DefaultLevels, rules: map[string]cachedRule{}, upsertAccount: upsertSQLite}
	if db.DialectOf(gdb) == db.MySQL {
		s.forUpdate, s.upsertAccount = " FOR UPDATE", upsertMySQL
	}
	return s
}

// SetLevels replaces the level thresholds (ascending lifetime earned
// points; the first is level 1's and should be 0). Call it before serving.
func (s *Service) SetLevels(thresholds []int64) error {
	if len(thresholds) == 0 {
		return errors.New("points levels: need at least one threshold")
	}
	for i := 1; i < len(thresholds); i++ {
		if thresholds[i] <= thresholds[i-1] {
			return errors.New("points levels: thresholds must ascend")
		}
	}
	s.levels = thresholds
	return nil
}

// LevelOf returns the level of a resident with the given lifetime earned
// points: 1 + the number of thresholds after the first that it reaches.
func (s *Service) LevelOf(lifetime int64) int {
	level := 0
	for _, t := range s.levels {
		if lifetime >= t {
			level++
		}
	}
	return max(level, 1)
}

// Transaction is one row of the append-only ledger. Delta is positive for
// earn, reverse and refund, negative for spend, deduct and expire.
// BalanceAfter is the balance right after it. ExpiresAt is set on credits
// whose points expire.
type Transaction struct {
	ID               int64      `json:"id,string"`
	ResidentID       int64      `json:"resident_id,string"`
	Delta            int64      `json:"delta"`
	BalanceAfter     int64      `json:"balance_after"`
	Kind             Kind       `json:"kind"`
	Idem             string     `json:"-"`
	RuleCode         *string    `json:"rule_code"`
	RuleVersion      *int       `json:"rule_version,omitempty"`
	ExternalID       *string    `json:"external_id,omitempty"`
	CaseRef          *string    `json:"case_ref,omitempty"`
	Reason           string     `json:"reason"`
	StaffID          *int64     `json:"-"`
	DepartmentID     *int64     `json:"-"`
	ExpiresAt        *time.Time `json:"expires_at"`
	RestoreExpiresAt *time.Time `json:"-"` // for a debit: the expiry a reversal or refund restores
	CreatedAt        time.Time  `json:"created_at"`
}

// TableName maps Transaction to the ledger table.
func (Transaction) TableName() string { return "point_transactions" }

type lot struct {
	ID            int64
	ResidentID    int64
	TransactionID int64
	Amount        int64
	Remaining     int64
	ExpiresAt     *time.Time
	CreatedAt     time.Time
}

func (lot) TableName() string { return "point_lots" }

// account is a resident's locked balance inside a transaction.
type account struct {
	residentID int64
	street     string
	balance    int64 // before applied
	lifetime   int64 // before applied
	applied    int64 // delta lockAccount already added to the balance
	earned     int64 // lifetime points lockAccount already added
}

// lockAccount locks resident id's points account for the rest of tx,
// creating it on first use, and returns it. Every posting goes through it
// first, which serializes one resident's postings while different
// residents' run in parallel. A caller that knows its delta (and earned
// points) passes them so the lock and the balance move are one statement.
// extra columns (with their ? args, scanned into dest) are read in the
// same round trip, after the lock. Returns ErrResidentNotFound for an
// unknown or deleted resident (with the account, still locked, if the
// resident was deleted).
//
// Why an upsert and not SELECT … FOR UPDATE: the upsert takes a record
// lock whether or not the row existed, where a locking read of a missing
// row takes a gap lock on which two first postings would deadlock. And
// the reads come in a statement after the lock, because a statement reads
// a snapshot taken before it waited for a lock.
func (s *Service) lockAccount(tx *gorm.DB, residentID, delta, earned int64, extra string, args []any, dest ...any) (*account, error) {
	now := s.now().UTC()
	if err := tx.Exec(s.upsertAccount, residentID, delta, earned, now, now).Error; err != nil {
		return nil, fmt.Errorf("lock points account: %w", err)
	}
	a := &account{residentID: residentID, applied: delta, earned: earned}
	var deleted bool
	q := `SELECT r.street, r.deleted_at IS NOT NULL, a.balance, a.lifetime_earned` + extra + `
FROM residents r JOIN point_accounts a ON a.resident_id = r.id WHERE r.id = ?`
	err := tx.Raw(q, append(args, residentID)...).Row().Scan(append([]any{&a.street, &deleted, &a.balance, &a.lifetime}, dest...)...)
	if errors.Is(err, errNoRows) || (err == nil && deleted) {
		return a, ErrResidentNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lock points account: %w", err)
	}
	a.balance -= delta
	a.lifetime -= earned
	return a, nil
}

// lock is lockAccount without a delta or extra reads.
func (s *Service) lock(tx *gorm.DB, residentID int64) (*account, error) {
	return s.lockAccount(tx, residentID, 0, 0, "", nil)
}

const (
	upsertMySQL = `INSERT INTO point_accounts (resident_id, balance, lifetime_earned, version, created_at, updated_at)
VALUES (?, ?, ?, 1, ?, ?) ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance),
lifetime_earned = lifetime_earned + VALUES(lifetime_earned), version = version + 1, updated_at = VALUES(updated_at)`
	upsertSQLite = `INSERT INTO point_accounts (resident_id, balance, lifetime_earned, version, created_at, updated_at)
VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (resident_id) DO UPDATE SET balance = balance + excluded.balance,
lifetime_earned = lifetime_earned + excluded.lifetime_earned, version = version + 1, updated_at = excluded.updated_at`
)

// credit posts t (a positive Delta) to the locked account a: it pays any
// debt first, keeps the rest as a lot expiring at t.ExpiresAt, and moves the
// balance. Earned credits raise lifetime earned points.
func (s *Service) credit(tx *gorm.DB, a *account, t *Transaction) error {
	now := t.CreatedAt
	t.ResidentID = a.residentID
	t.BalanceAfter = a.balance + t.Delta
	if err := tx.Create(t).Error; err != nil {
		return err
	}
	left := t.Delta
	if a.balance < 0 {
		// A deduction left a debt (negative lots): pay it first, oldest first.
		var debts []lot
		if err := tx.Where("resident_id = ? AND remaining < 0", a.residentID).Order("id").Find(&debts).Error; err != nil {
			return err
		}
		for _, d := range debts {
			if left == 0 {
				break
			}
			pay := min(left, -d.Remaining)
			if err := tx.Exec("UPDATE point_lots SET remaining = remaining + ? WHERE id = ?", pay, d.ID).Error; err != nil {
				return err
			}
			left -= pay
		}
	}
	if left > 0 {
		l := lot{ResidentID: a.residentID, TransactionID: t.ID, Amount: t.Delta, Remaining: left, ExpiresAt: t.ExpiresAt, CreatedAt: now}
		if err := tx.Create(&l).Error; err != nil {
			return err
		}
	}
	return s.moveBalance(tx, a, t)
}

// debit posts t (a negative Delta) to the locked account a, consuming lots
// oldest first. If the lots fall short (only a deduction may do that) the
// shortfall becomes a debt lot. It sets t.RestoreExpiresAt to the latest
// expiry among the consumed lots (nil if any never expires).
func (s *Service) debit(tx *gorm.DB, a *account, t *Transaction) error {
	now := t.CreatedAt
	need := -t.Delta
	var lots []lot
	if err := tx.Where("resident_id = ? AND remaining > 0", a.residentID).Order("id").Find(&lots).Error; err != nil {
		return err
	}
	type use struct{ id, amount int64 }
	var uses []use
	var restore *time.Time
	never := false
	for _, l := range lots {
		if need == 0 {
			break
		}
		take := min(need, l.Remaining)
		uses = append(uses, use{l.ID, take})
		need -= take
		if l.ExpiresAt == nil {
			never = true
		} else if restore == nil || l.ExpiresAt.After(*restore) {
			restore = l.ExpiresAt
		}
	}
	if !never && restore != nil {
		r := restore.UTC()
		t.RestoreExpiresAt = &r
	}
	t.ResidentID = a.residentID
	t.BalanceAfter = a.balance + t.Delta
	if err := tx.Create(t).Error; err != nil {
		return err
	}
	for _, u := range uses {
		if err := tx.Exec("UPDATE point_lots SET remaining = remaining - ? WHERE id = ?", u.amount, u.id).Error; err != nil {
			return err
		}
	}
	if need > 0 {
		if t.Kind != Deduct {
			return fmt.Errorf("debit %s: lots short by %d for resident %d", t.Kind, need, a.residentID)
		}
		debt := lot{ResidentID: a.residentID, TransactionID: t.ID, Amount: -need, Remaining: -need, CreatedAt: now}
		if err := tx.Create(&debt).Error; err != nil {
			return err
		}
	}
	return s.moveBalance(tx, a, t)
}

// moveBalance brings the locked account to the balance after t, adding
// what lockAccount did not already add.
func (s *Service) moveBalance(tx *gorm.DB, a *account, t *Transaction) error {
	earned := int64(0)
	if t.Kind == Earn {
		earned = t.Delta
	}
	if d, e := t.Delta-a.applied, earned-a.earned; d != 0 || e != 0 {
		err := tx.Exec("UPDATE point_accounts SET balance = balance + ?, lifetime_earned = lifetime_earned + ?, updated_at = ? WHERE resident_id = ?",
			d, e, t.CreatedAt, a.residentID).Error
		if err != nil {
			return err
		}
	}
	a.balance += t.Delta
	a.lifetime += earned
	a.applied, a.earned = 0, 0
	return nil
}

// transact runs fn in a transaction, again on a deadlock, lock timeout or
// SQLite BUSY.
func (s *Service) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.Retry(ctx, 5, func() error {
		return s.db.WithContext(ctx).Transaction(fn)
	})
}

// findTransaction returns the ledger row of kind with idempotency key idem,
// or nil.
func findTransaction(tx *gorm.DB, kind Kind, idem string) (*Transaction, error) {
	var ts []Transaction
	if err := tx.Where("kind = ? AND idem = ?", kind, idem).Limit(1).Find(&ts).Error; err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, nil
	}
	return &ts[0], nil
}
