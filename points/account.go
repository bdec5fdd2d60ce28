package points

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
	"github.com/futian/ifutian/residents"
)

// Expiring is an amount of points that expires at one time.
type Expiring struct {
	Amount    int64     `json:"amount" doc:"points that expire then"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Account is a resident's points at a glance: Expiring lists what expires
// next, soonest first (at most three dates).
type Account struct {
	Balance        int64      `json:"balance" doc:"May be negative only after a deduction."`
	LifetimeEarned int64      `json:"lifetime_earned"`
	Level          int        `json:"level" doc:"From lifetime earned points; thresholds are configurable (default 0, 100, 300, 1000, 3000, 10000 for levels 1–6)."`
	Expiring       []Expiring `json:"expiring" doc:"What expires next, soonest first, at most three dates."`
}

// FindAccount returns a resident's account; a resident who never had
// points has a zero account.
//
// What expires next is a sum over the resident's lots, and residents look
// at their points far more often than the points change. So the sums are
// cached per resident under the account's version, which every posting
// increments in the statement that moves the balance (the
// point_transactions_post trigger), and every change of a lot comes with a
// posting. A read whose version matches the cached one costs one
// primary-key lookup; an entry is never served for a version other than
// its own, whichever instance wrote the newer one.
//
// FindAccount is not cancelled with ctx (its values still reach the
// statements): its reads are bounded index lookups of one resident, and a
// cancellable context costs every statement a goroutine of database/sql's
// waiting on it and two hand-offs to the MySQL driver's watcher, about a
// quarter of the handler's CPU per read (README, Performance). A
// read whose client left meanwhile finishes and is answered to nobody.
func (s *Service) FindAccount(ctx context.Context, residentID int64) (*Account, error) {
	ctx = context.WithoutCancel(ctx)
	c, cached := s.expiring.Get(residentID)
	if !cached {
		return s.loadAccount(ctx, residentID) // nothing to check a version against
	}
	var version int64
	acc := &Account{Expiring: []Expiring{}}
	err := s.queryRow(ctx)(`SELECT balance, lifetime_earned, version FROM point_accounts WHERE resident_id = ?`, residentID).
		Scan(&acc.Balance, &acc.LifetimeEarned, &version)
	if errors.Is(err, errNoRows) {
		acc.Level = s.LevelOf(0)
		return acc, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find account: %w", err)
	}
	if c.version == version {
		acc.Expiring = slices.Clone(c.expiring)
		acc.Level = s.LevelOf(acc.LifetimeEarned)
		return acc, nil
	}
	return s.loadAccount(ctx, residentID)
}

// cachedExpiring is what expires next for one version of an account.
type cachedExpiring struct {
	version  int64
	expiring []Expiring
}

// expiringCacheSize bounds the expiry cache: at about 150 bytes an entry,
// some 10 MiB for the residents who looked at their points most recently.
const expiringCacheSize = 65536

// loadAccount reads the account and its next expiries in one statement,
// so they are of one version, and caches the expiries under it.
func (s *Service) loadAccount(ctx context.Context, residentID int64) (*Account, error) {
	// The lots come first: SQLite types a compound's columns by its first part.
	rows, err := s.db.WithContext(ctx).Raw(`SELECT 1, SUM(remaining), 0, 0, expires_at FROM point_lots
WHERE resident_id = ? AND remaining > 0 AND expires_at IS NOT NULL GROUP BY expires_at
UNION ALL
SELECT 0, balance, lifetime_earned, version, NULL FROM point_accounts WHERE resident_id = ?`,
		residentID, residentID).Rows()
	if err != nil {
		return nil, fmt.Errorf("find account: %w", err)
	}
	defer rows.Close()
	acc := &Account{Expiring: []Expiring{}}
	var version int64
	for rows.Next() {
		var (
			part         int
			amount, b, v int64
			at           *time.Time
		)
		if err := rows.Scan(&part, &amount, &b, &v, &at); err != nil {
			return nil, fmt.Errorf("find account: %w", err)
		}
		if part == 0 {
			acc.Balance, acc.LifetimeEarned, version = amount, b, v
		} else if at != nil {
			acc.Expiring = append(acc.Expiring, Expiring{Amount: amount, ExpiresAt: at.UTC()})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find account: %w", err)
	}
	sortExpiring(acc.Expiring)
	if len(acc.Expiring) > 3 {
		acc.Expiring = acc.Expiring[:3]
	}
	acc.Level = s.LevelOf(acc.LifetimeEarned)
	s.expiring.Add(residentID, cachedExpiring{version: version, expiring: slices.Clone(acc.Expiring)})
	return acc, nil
}

func sortExpiring(es []Expiring) {
	slices.SortFunc(es, func(a, b Expiring) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
}

// FindTransactions lists a resident's ledger, newest first, before the
// transaction ID before (0: from the newest), and the next page's cursor.
func (s *Service) FindTransactions(ctx context.Context, residentID, before int64, limit int) ([]Transaction, int64, error) {
	q := s.db.WithContext(ctx).Where("resident_id = ?", residentID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var ts []Transaction
	if err := q.Order("id DESC").Limit(limit + 1).Find(&ts).Error; err != nil {
		return nil, 0, fmt.Errorf("find transactions: %w", err)
	}
	for i := range ts {
		withDeadline(&ts[i])
	}
	if err := s.withRepairs(ctx, ts); err != nil {
		return nil, 0, err
	}
	return pageOf(ts, limit, func(t Transaction) int64 { return t.ID })
}

// Leader is one row of a leaderboard: nickname only.
type Leader struct {
	Rank           int    `json:"rank"`
	Nickname       string `json:"nickname"`
	LifetimeEarned int64  `json:"lifetime_earned"`
	Level          int    `json:"level"`
	Me             bool   `json:"me"`
}

// BoardScope is whose leaderboard: the caller's community's or street's.
type BoardScope string

// The leaderboards.
const (
	BoardCommunity BoardScope = "community"
	BoardStreet    BoardScope = "street"
)

// Enum lists the leaderboards.
func (BoardScope) Enum() []string { return []string{string(BoardCommunity), string(BoardStreet)} }

// Leaderboard ranks the opted-in residents of the caller's community or
// street (scope "community" or "street") by lifetime earned points, top
// limit. Residents who did not opt in never appear.
func (s *Service) Leaderboard(ctx context.Context, residentID int64, scope BoardScope, limit int) ([]Leader, error) {
	var me struct {
		Street, Community string
	}
	gdb := s.db.WithContext(ctx)
	if err := gdb.Table(residents.From("r")).Select(residents.StreetColumn("r")+", "+residents.CommunityColumn("r")).
		Where(residents.IDColumn("r")+" = ?", residentID).Take(&me).Error; err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	var col, val string
	switch scope {
	case BoardCommunity:
		col, val = residents.CommunityColumn("r"), me.Community
	case BoardStreet:
		col, val = residents.StreetColumn("r"), me.Street
	default:
		return nil, apperr.Field("scope", check.OneOfMessage(scope.Enum()))
	}
	if val == "" {
		return nil, apperr.Field("scope", "请先在个人资料中设置所在街道和社区")
	}
	var rows []struct {
		ID             int64
		Nickname       string
		LifetimeEarned int64
	}
	err := gdb.Table("point_accounts a").Select(residents.IDColumn("r")+", "+residents.NicknameColumn("r")+", a.lifetime_earned").
		Joins(residents.Join("r", "a.resident_id")).
		Where(col+" = ? AND "+residents.OnLeaderboardColumn("r")+" = ? AND "+residents.Live("r")+" AND a.lifetime_earned > 0", val, true).
		Order("a.lifetime_earned DESC, r.id").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	out := make([]Leader, 0, len(rows))
	for i, r := range rows {
		name := r.Nickname
		if name == "" {
			name = "居民" + strconv.FormatInt(r.ID%10000, 10)
		}
		out = append(out, Leader{Rank: i + 1, Nickname: name, LifetimeEarned: r.LifetimeEarned, Level: s.LevelOf(r.LifetimeEarned), Me: r.ID == residentID})
	}
	return out, nil
}

// ExportResident returns a resident's ledger, redemptions and appeals for
// /me/export.
func (s *Service) ExportResident(ctx context.Context, residentID int64) (any, error) {
	gdb := s.db.WithContext(ctx)
	acc, err := s.FindAccount(ctx, residentID)
	if err != nil {
		return nil, err
	}
	var ts []Transaction
	if err := gdb.Where("resident_id = ?", residentID).Order("id").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("export points: %w", err)
	}
	var reds []Redemption
	if err := gdb.Where("resident_id = ?", residentID).Order("id").Find(&reds).Error; err != nil {
		return nil, fmt.Errorf("export points: %w", err)
	}
	var aps []Appeal
	if err := gdb.Where("resident_id = ?", residentID).Order("id").Find(&aps).Error; err != nil {
		return nil, fmt.Errorf("export points: %w", err)
	}
	var rps []repair
	if err := gdb.Where("resident_id = ?", residentID).Order("deduction_id").Find(&rps).Error; err != nil {
		return nil, fmt.Errorf("export points: %w", err)
	}
	repairs := make([]map[string]any, len(rps))
	for i, r := range rps {
		repairs[i] = map[string]any{"deduction_id": strconv.FormatInt(r.DeductionID, 10), "rule_code": r.RuleCode, "status": r.Status,
			"attempts": r.Attempts, "started_at": r.StartedAt, "repaired_at": r.RepairedAt, "restored": r.Restored}
	}
	return map[string]any{"account": acc, "transactions": ts, "redemptions": reds, "appeals": aps, "repairs": repairs}, nil
}

// EraseResident anonymises a deleted resident's points data inside the
// deletion's transaction: the ledger stays (keyed by a resident ID that no
// longer names anyone), appeal texts the resident wrote are erased, and
// unused vouchers are cancelled with their stock returned, so nobody can
// redeem them any more. The spent points are not refunded: the account
// belongs to nobody now.
func (s *Service) EraseResident(tx *gorm.DB, residentID int64) error {
	if err := tx.Exec("UPDATE point_appeals SET reason = '' WHERE resident_id = ?", residentID).Error; err != nil {
		return fmt.Errorf("erase points: %w", err)
	}
	// Locked, so a verifier accepting one of them meanwhile either comes
	// first (it stays used) or finds it cancelled.
	var issued []Redemption
	if err := tx.Raw("SELECT id, reward_id FROM redemptions WHERE resident_id = ? AND status = 'issued'"+s.forUpdate, residentID).Scan(&issued).Error; err != nil {
		return fmt.Errorf("erase points: %w", err)
	}
	now := s.now().UTC()
	for _, red := range issued {
		res := tx.Exec("UPDATE redemptions SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE id = ? AND status = 'issued'", now, now, red.ID)
		if res.Error != nil {
			return fmt.Errorf("erase points: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			continue
		}
		if err := tx.Exec("UPDATE rewards SET stock = stock + 1, updated_at = ? WHERE id = ?", now, red.RewardID).Error; err != nil {
			return fmt.Errorf("erase points: %w", err)
		}
	}
	return nil
}
