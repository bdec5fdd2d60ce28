package points

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// errRollback ends a transaction that found nothing to write.
var errRollback = errors.New("nothing to write")

// ExpireDue posts an expire transaction for every lot whose expiry has
// passed at now, and returns how many it expired. Safe to run on several
// instances at once: each lot expires once (the ledger's unique key).
func (s *Service) ExpireDue(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	total := 0
	for {
		var due []lot
		err := s.db.WithContext(ctx).Where("expires_at <= ? AND remaining > 0", now).Order("expires_at, id").Limit(200).Find(&due).Error
		if err != nil {
			return total, fmt.Errorf("expire points: %w", err)
		}
		if len(due) == 0 {
			return total, nil
		}
		for _, l := range due {
			if err := s.expireLot(ctx, l.ResidentID, l.ID, now); err != nil {
				return total, err
			}
			total++
		}
	}
}

func (s *Service) expireLot(ctx context.Context, residentID, lotID int64, now time.Time) error {
	err := s.transact(ctx, func(tx *gorm.DB) error {
		// A deleted resident's lots expire too.
		a, err := s.lock(tx, residentID)
		if err != nil && (a == nil || !apperrIs(err, ErrResidentNotFound)) {
			return err
		}
		var l lot
		if err := tx.Take(&l, lotID).Error; err != nil {
			return err
		}
		if l.Remaining <= 0 {
			return errRollback // spent or expired meanwhile
		}
		if err := tx.Exec("UPDATE point_lots SET remaining = 0 WHERE id = ?", l.ID).Error; err != nil {
			return err
		}
		return s.post(tx, a, &Transaction{
			Delta: -l.Remaining, Kind: Expire, Idem: "lot/" + strconv.FormatInt(l.ID, 10), Reason: "积分到期", CreatedAt: now,
		})
	})
	if err != nil && !errors.Is(err, errRollback) {
		return fmt.Errorf("expire lot %d: %w", lotID, err)
	}
	return nil
}

// Mismatch is an account whose balance disagrees with its ledger or lots.
type Mismatch struct {
	ResidentID     int64
	Balance        int64 // point_accounts.balance (0 when the row is missing)
	LedgerSum      int64 // SUM(delta)
	LotsSum        int64 // SUM(remaining)
	LastBalance    int64 // balance_after of the newest transaction
	LifetimeEarned int64
	EarnedSum      int64 // SUM(delta) of earn transactions
}

func (m Mismatch) String() string {
	return fmt.Sprintf("resident %d: balance=%d ledger=%d lots=%d last_balance_after=%d lifetime_earned=%d earned=%d",
		m.ResidentID, m.Balance, m.LedgerSum, m.LotsSum, m.LastBalance, m.LifetimeEarned, m.EarnedSum)
}

// Reconcile checks every account: balance = SUM(ledger deltas) = SUM(open
// lots) = the newest balance_after, and lifetime earned = SUM(earn deltas).
// It returns the accounts that disagree (none when all is well) and how
// many it checked.
func (s *Service) Reconcile(ctx context.Context) ([]Mismatch, int, error) {
	var rows []Mismatch
	err := s.db.WithContext(ctx).Raw(`SELECT k.resident_id,
COALESCE(a.balance, 0) AS balance, COALESCE(a.lifetime_earned, 0) AS lifetime_earned,
COALESCE(t.s, 0) AS ledger_sum, COALESCE(t.e, 0) AS earned_sum, COALESCE(l.s, 0) AS lots_sum,
COALESCE((SELECT p.balance_after FROM point_transactions p WHERE p.resident_id = k.resident_id ORDER BY p.id DESC LIMIT 1), 0) AS last_balance
FROM (SELECT resident_id FROM point_accounts UNION SELECT resident_id FROM point_transactions UNION SELECT resident_id FROM point_lots) k
LEFT JOIN point_accounts a ON a.resident_id = k.resident_id
LEFT JOIN (SELECT resident_id, SUM(delta) AS s, SUM(CASE WHEN kind = 'earn' THEN delta ELSE 0 END) AS e FROM point_transactions GROUP BY resident_id) t ON t.resident_id = k.resident_id
LEFT JOIN (SELECT resident_id, SUM(remaining) AS s FROM point_lots GROUP BY resident_id) l ON l.resident_id = k.resident_id`).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("reconcile: %w", err)
	}
	var bad []Mismatch
	for _, m := range rows {
		if m.Balance != m.LedgerSum || m.Balance != m.LotsSum || m.Balance != m.LastBalance || m.LifetimeEarned != m.EarnedSum {
			bad = append(bad, m)
		}
	}
	// A lot may never hold more than it was given, nor a credit lot less than nothing.
	var badLots []Mismatch
	err = s.db.WithContext(ctx).Raw(`SELECT resident_id FROM point_lots
WHERE (amount > 0 AND (remaining < 0 OR remaining > amount)) OR (amount < 0 AND (remaining > 0 OR remaining < amount))`).Scan(&badLots).Error
	if err != nil {
		return nil, 0, fmt.Errorf("reconcile: %w", err)
	}
	bad = append(bad, badLots...)
	return bad, len(rows), nil
}
