// Package points keeps residents' personal points (个人积分): an
// append-only ledger, earning rules, deductions with appeal, and rewards.
//
// Invariants, for every resident, after every committed transaction:
// point_accounts.balance = SUM(point_transactions.delta) = SUM(point_lots.remaining),
// and the newest ledger row's balance_after is the balance.
//
// Postings of one resident are serialized by the account's version: each
// is decided on a reading of the account and carries the version it makes
// (seq), and the ledger's trigger refuses it if another posting came in
// between, so that it is decided again. Writers that read more than an
// award does (redemptions, deductions, appeals, expiry) lock the resident's
// row first (lock) and so queue rather than race; an award reads
// without a lock and writes in one statement (see Service.Award). Postings
// of different residents run in parallel.
package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/residents"
)

// Errors returned by the Service.
var (
	ErrNotFound           = apperr.New(apperr.NotFound, "记录不存在")
	ErrResidentNotFound   = apperr.New(apperr.NotFound, "居民不存在")
	ErrRuleNotFound       = apperr.Field("rule_code", "积分规则不存在")
	ErrRuleInactive       = apperr.Field("rule_code", "积分规则不在有效期内")
	ErrDeductionRule      = apperr.Field("rule_code", "扣分规则不能用于发放积分")
	ErrNotDeductionRule   = apperr.Field("rule_code", "不是扣分规则")
	ErrRuleForbidden      = apperr.New(apperr.PermissionDenied, "该规则属于其他部门，无权发放")
	ErrRuleOwned          = apperr.New(apperr.PermissionDenied, "该规则属于其他部门，无权修改")
	ErrExternalIDTaken    = apperr.New(apperr.Conflict, "该 external_id 已用于其他居民的奖励")
	ErrInsufficientPoints = apperr.New(apperr.InsufficientPoints, "积分不足")
	ErrOutOfStock         = apperr.New(apperr.OutOfStock, "奖品已兑完")
	ErrLimitReached       = apperr.New(apperr.Conflict, "已达该奖品的每人兑换上限").Because(apperr.ReasonPerResidentLimit)
	ErrLevelTooLow        = apperr.New(apperr.PermissionDenied, "等级不足，暂不能兑换该奖品").Because(apperr.ReasonMinLevel)
	ErrRewardUnavailable  = apperr.New(apperr.Conflict, "奖品不在兑换期内").Because(apperr.ReasonNotAvailable)
	ErrIdempotencyReused  = apperr.New(apperr.Conflict, "Idempotency-Key 已用于其他请求")
	ErrVoucherUsed        = apperr.New(apperr.Conflict, "兑换券已使用或已取消")
	ErrNotCancellable     = apperr.New(apperr.Conflict, "只有未使用的兑换券可以取消")
	ErrNotDeduction       = apperr.Field("transaction_id", "只能对扣分记录申诉")
	ErrAppealExists       = apperr.New(apperr.Conflict, "该扣分已申诉过")
	ErrAppealDecided      = apperr.New(apperr.Conflict, "该申诉已处理")
	ErrAppealWindowClosed = apperr.New(apperr.Conflict, "已超过申诉期限").Because(apperr.ReasonAppealWindowClosed)
	ErrRewardWithdrawn    = apperr.New(apperr.Conflict, "奖品已下架").Because(apperr.ReasonWithdrawn)
	ErrRewardRedeemed     = apperr.New(apperr.Conflict, "奖品已有兑换记录，不能修改所需积分；请下架后另建奖品").Because(apperr.ReasonHasRedemptions)
	ErrStockBelowIssued   = apperr.New(apperr.Conflict, "库存不能减到 0 以下：已兑出的兑换券不能收回").Because(apperr.ReasonStockBelowIssued)
)

// ErrBusy is returned when a write kept conflicting with others on the same
// resident through every retry; nothing was written and the request may be
// repeated.
var ErrBusy = apperr.New(apperr.Unavailable, "系统繁忙，请稍后重试")

// ErrCapReached is returned when an award would pass a rule's daily or
// monthly cap; the refusal is recorded and nothing is granted. Its details
// carry "reason": "daily_cap" or "monthly_cap".
var ErrCapReached = apperr.New(apperr.Conflict, "已达该规则的奖励上限")

// Kind is the kind of a ledger transaction.
type Kind string

// Enum lists the kinds.
func (Kind) Enum() []string {
	return []string{string(Earn), string(Spend), string(Deduct), string(Expire), string(Reverse), string(Refund), string(Repair)}
}

// The ledger's transaction kinds.
const (
	Earn    Kind = "earn"    // an award under a rule
	Spend   Kind = "spend"   // a redemption
	Deduct  Kind = "deduct"  // an enforcement case
	Expire  Kind = "expire"  // a lot reached its expiry
	Reverse Kind = "reverse" // an approved appeal undoes a deduction
	Refund  Kind = "refund"  // a cancelled voucher
	Repair  Kind = "repair"  // a passed repair course (学法修复) restores a share of a deduction
)

// DefaultLevels are the lifetime-earned thresholds of levels 1, 2, 3, …:
// a resident is at the highest level whose threshold they have reached.
var DefaultLevels = []int64{0, 100, 300, 1000, 3000, 10000}

// Service manages points. It is safe for concurrent use.
type Service struct {
	db        *gorm.DB
	now       func() time.Time
	forUpdate string // " FOR UPDATE" on MySQL; SQLite serializes writers anyway
	levels    []int64
	names     []string // levels' names, by level; none: "Lv1", "Lv2", …

	mu    sync.Mutex
	rules map[string]cachedRule

	expiring *lru.Cache[int64, cachedExpiring] // by resident; see FindAccount

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // prepared on first use (hot.go)
	ledger ledgerColumns        // the ledger's hand-written statements (hot.go)

	notify  notifier    // tells residents of deductions and appeal decisions; nil: nobody is told
	images  Images      // rewards' pictures
	quizzes QuizStarter // starts repair courses' quiz attempts; nil: no repair can start
}

// notifier sends the system notices of due process (notify.Service).
type notifier interface {
	SendDirectTx(tx *gorm.DB, d notify.DirectNotice) error
}

// Deps is what a Service is built from.
type Deps struct {
	DB *gorm.DB
	// Notify tells residents of deductions recorded against them and of
	// their appeals' decisions, inside the transaction that makes the
	// change (app.New wires notify.Service); nil: nobody is told.
	Notify notifier
	Images Images // rewards' pictures; none: rewards have no picture
	// Levels are the level thresholds (ascending lifetime earned points;
	// the first is level 1's and should be 0); nil: DefaultLevels.
	Levels []int64
	// LevelNames name the levels, in order, one per threshold; nil: "Lv1",
	// "Lv2", …
	LevelNames []string
	Now        func() time.Time // nil: time.Now
	// Quizzes starts the quiz attempt of a repair course (学法修复) in the
	// repair's transaction (the surveys module, wired by app); nil: a
	// repair cannot be started.
	Quizzes QuizStarter
}

// New returns a Service over d.DB. It panics on levels CheckLevels refuses
// (the configuration checks them first).
func New(d Deps) *Service {
	expiring, err := lru.New[int64, cachedExpiring](expiringCacheSize)
	if err != nil {
		panic(err) // only for a size < 1
	}
	levels := d.Levels
	if levels == nil {
		levels = DefaultLevels
	}
	if err := CheckLevels(levels, d.LevelNames); err != nil {
		panic(err)
	}
	s := &Service{db: d.DB, now: clock.Or(d.Now), levels: levels, names: d.LevelNames, rules: map[string]cachedRule{},
		expiring: expiring, notify: d.Notify, images: d.Images, quizzes: d.Quizzes}
	if d.DB != nil {
		s.ledger = newLedgerColumns(d.DB.NamingStrategy)
	} else {
		s.ledger = newLedgerColumns(nil)
	}
	if db.DialectOf(d.DB) == db.MySQL {
		s.forUpdate = " FOR UPDATE"
	}
	return s
}

// CheckLevels checks level thresholds (ascending lifetime earned points)
// and their names (nil, or one per threshold).
func CheckLevels(thresholds []int64, names []string) error {
	if len(thresholds) == 0 {
		return errors.New("points levels: need at least one threshold")
	}
	for i := 1; i < len(thresholds); i++ {
		if thresholds[i] <= thresholds[i-1] {
			return errors.New("points levels: thresholds must ascend")
		}
	}
	if names != nil && len(names) != len(thresholds) {
		return fmt.Errorf("points levels: %d names for %d levels", len(names), len(thresholds))
	}
	return nil
}

// Level is one level of the points scheme: a resident is at it from
// MinLifetimeEarned lifetime earned points on.
type Level struct {
	Level             int    `json:"level"`
	Name              string `json:"name"`
	MinLifetimeEarned int64  `json:"min_lifetime_earned" doc:"lifetime earned points from which a resident is at this level"`
}

// Levels lists the levels, lowest first.
func (s *Service) Levels() []Level {
	out := make([]Level, len(s.levels))
	for i, t := range s.levels {
		out[i] = Level{Level: i + 1, Name: fmt.Sprintf("Lv%d", i+1), MinLifetimeEarned: t}
		if i < len(s.names) {
			out[i].Name = s.names[i]
		}
	}
	return out
}

// NextLevelAt returns the lifetime earned points at which a resident with
// lifetime points reaches the next level; ok is false at the top level.
func (s *Service) NextLevelAt(lifetime int64) (threshold int64, ok bool) {
	if l := s.LevelOf(lifetime); l < len(s.levels) {
		return s.levels[l], true // level l+1 begins at the (l+1)th threshold
	}
	return 0, false
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
	ID           int64      `json:"id,string"`
	ResidentID   int64      `json:"resident_id,string"`
	Seq          int64      `json:"-"` // the account's version this posting made
	Delta        int64      `json:"delta" doc:"positive for earn, reverse and refund; negative for spend, deduct and expire"`
	BalanceAfter int64      `json:"balance_after" doc:"the balance right after it"`
	Kind         Kind       `json:"kind"`
	Idem         string     `json:"-"`
	RuleCode     *string    `json:"rule_code" doc:"earn: the rule it was awarded under; deduct and repair: the deduction rule it names, if any; null otherwise"`
	RuleVersion  *int       `json:"rule_version,omitempty" doc:"earn: the version of the rule the award used"`
	ExternalID   *string    `json:"external_id,omitempty" doc:"earn: the awarded event"`
	CaseRef      *string    `json:"case_ref,omitempty" doc:"deduct and reverse: the enforcement case"`
	Reason       string     `json:"reason"`
	StaffID      *int64     `json:"-"`
	DepartmentID *int64     `json:"-"`
	ExpiresAt    *time.Time `json:"expires_at" doc:"credits: when these points expire (null: never)"`
	// AppealDeadline is, for a deduction, when the resident's right to
	// appeal it ends (see AppealDeadline).
	AppealDeadline *time.Time `json:"appeal_deadline,omitempty" doc:"deduct: when the right to appeal it ends (exclusive): midnight, district time, after the 30th day following the deduction's; an appeal from then on is 409 with details.reason appeal_window_closed"`
	// Repair is, for a deduction under a repairable rule, its repair
	// course (学法修复) and where it stands; left out otherwise.
	Repair           *RepairView `json:"repair,omitempty" gorm:"-" doc:"deduct: the repair course (学法修复) its rule offers and where it stands; left out when it offers none"`
	RestoreExpiresAt *time.Time  `json:"-"` // for a debit: the expiry a reversal or refund restores
	LotAmount        int64       `json:"-"` // the lot the trigger opens: a credit's unspent part, a deduction's debt
	CreatedAt        time.Time   `json:"created_at"`
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

// account is a resident's points account as read together with the
// resident's row (lock, loadAward).
type account struct {
	residentID int64
	street     string
	deleted    bool
	balance    int64
	lifetime   int64 // read by lock only
	// version counts the entries of the account's history: postings and
	// recorded refusals. Each entry is written as version+1, and the
	// database refuses it unless the account is still at version then.
	version int64
}

// lock reads resident id's account (0 before the first posting) with the
// lifetime earned points, which a redemption's level check needs, locking
// the resident's row for the rest of transaction tx: the resident's
// locking writers queue one behind the other. Returns ErrResidentNotFound
// for an unknown or deleted resident (with the account, if it was deleted).
//
// The account's columns are subqueries so that only the resident's row is
// locked: it always exists, where a locking read of a missing account row
// would take a gap lock on which two first postings would deadlock. The
// subqueries are read after the lock is granted and see what the previous
// holder committed. The account itself is moved by the
// point_transactions_post trigger when a transaction is inserted, in the
// same statement.
func (s *Service) lock(tx *gorm.DB, residentID int64) (*account, error) {
	a := &account{residentID: residentID}
	err := tx.Raw(`SELECT `+residents.StreetColumn("r")+`, `+residents.Deleted("r")+`,
COALESCE((SELECT a.balance FROM point_accounts a WHERE a.resident_id = `+residents.IDColumn("r")+`), 0),
COALESCE((SELECT a.version FROM point_accounts a WHERE a.resident_id = `+residents.IDColumn("r")+`), 0),
COALESCE((SELECT a.lifetime_earned FROM point_accounts a WHERE a.resident_id = `+residents.IDColumn("r")+`), 0)
FROM `+residents.From("r")+` WHERE `+residents.IDColumn("r")+` = ?`+s.forUpdate, residentID).Row().Scan(&a.street, &a.deleted, &a.balance, &a.version, &a.lifetime)
	if errors.Is(err, errNoRows) {
		return nil, ErrResidentNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read points account: %w", err)
	}
	if a.deleted {
		return a, ErrResidentNotFound
	}
	return a, nil
}

// bumpVersion moves account a to its next version without a posting (a
// recorded refusal), or fails with db.ErrSerialization if it is no longer
// at the version it was read at.
func (s *Service) bumpVersion(tx *gorm.DB, a *account) error {
	res := tx.Exec("UPDATE point_accounts SET version = version + 1 WHERE resident_id = ? AND version = ?", a.residentID, a.version)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return db.ErrSerialization
	}
	a.version++
	return nil
}

// post inserts t for account a; the trigger moves the account and opens
// t.LotAmount as a lot. t is the account's next version: the trigger
// refuses it with a serialization failure if a is no longer at the version
// it was read at.
func (s *Service) post(tx *gorm.DB, a *account, t *Transaction) error {
	t.ResidentID = a.residentID
	t.Seq = a.version + 1
	t.BalanceAfter = a.balance + t.Delta
	if err := tx.Create(t).Error; err != nil {
		return err
	}
	a.version++
	a.balance += t.Delta
	if t.Kind == Earn {
		a.lifetime += t.Delta
	}
	return nil
}

// credit posts t (a positive Delta) to the locked account a: it pays any
// debt first and keeps the rest as a lot expiring at t.ExpiresAt.
func (s *Service) credit(tx *gorm.DB, a *account, t *Transaction) error {
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
	t.LotAmount = left
	return s.post(tx, a, t)
}

// debit posts t (a negative Delta) to the locked account a, consuming lots
// oldest first. If the lots fall short (only a deduction may do that) the
// shortfall becomes a debt lot. It sets t.RestoreExpiresAt to the latest
// expiry among the consumed lots (nil if any never expires).
func (s *Service) debit(tx *gorm.DB, a *account, t *Transaction) error {
	need := -t.Delta
	var lots []lot
	if err := tx.Where("resident_id = ? AND remaining > 0", a.residentID).Order("id").Find(&lots).Error; err != nil {
		return err
	}
	var restore *time.Time
	never := false
	for _, l := range lots {
		if need == 0 {
			break
		}
		take := min(need, l.Remaining)
		if err := tx.Exec("UPDATE point_lots SET remaining = remaining - ? WHERE id = ?", take, l.ID).Error; err != nil {
			return err
		}
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
	if need > 0 {
		if t.Kind != Deduct {
			return fmt.Errorf("debit %s: lots short by %d for resident %d", t.Kind, need, a.residentID)
		}
		t.LotAmount = -need // a debt
	}
	return s.post(tx, a, t)
}

// transact runs fn in a transaction (db.Transact: with the request's
// audit entry, if ctx carries one), again on a deadlock, lock timeout,
// serialization failure or SQLite BUSY. A conflict that outlasts every
// attempt is ErrBusy: the client may simply try again.
func (s *Service) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	err := db.Transact(ctx, s.db, fn)
	if db.IsRetryable(err) {
		return ErrBusy
	}
	return err
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
