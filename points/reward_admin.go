package points

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/patch"
	"github.com/futian/ifutian/staff"
)

// RewardStats is a reward as its managers see it, with what became of its
// vouchers: Issued counts the vouchers redeemed and not cancelled (used
// ones included), Used those a verifier accepted. Stock is what is left;
// stock + issued is what has been offered so far.
type RewardStats struct {
	Reward
	Issued int64 `json:"issued" doc:"vouchers redeemed and not cancelled (used ones included)"`
	Used   int64 `json:"used" doc:"vouchers a verifier accepted"`
}

// RewardState is whether a reward is in the catalogue or withdrawn.
type RewardState string

// The states of a reward.
const (
	RewardActive    RewardState = "active"
	RewardWithdrawn RewardState = "withdrawn"
)

// Enum lists the states.
func (RewardState) Enum() []string { return []string{string(RewardActive), string(RewardWithdrawn)} }

// RewardFilter selects rewards for FindManagedRewards. Zero fields do not
// filter.
type RewardFilter struct {
	Status RewardState // active (not withdrawn) or withdrawn
	Q      string      // a substring of the name
	After  int64       // cursor: rewards with a greater ID
	Limit  int
}

// FindManagedRewards lists the rewards actor manages (their departments';
// the district's for a superadmin), withdrawn ones included unless
// filtered, by ID, with their voucher counts, and the cursor of the next
// page (0 on the last). Returns an invalid_argument naming status or q.
func (s *Service) FindManagedRewards(ctx context.Context, actor *staff.Member, f RewardFilter) ([]RewardStats, int64, error) {
	return s.findManagedRewards(ctx, actor.Scope(), f)
}

// CountManagedRewards counts the rewards FindManagedRewards lists for f
// over all pages, up to db.CountCap (more: true beyond).
func (s *Service) CountManagedRewards(ctx context.Context, actor *staff.Member, f RewardFilter) (n int64, more bool, err error) {
	return db.CountUpTo(s.rewardQuery(ctx, actor.Scope(), f))
}

// rewardQuery selects the rewards f selects within sc.
func (s *Service) rewardQuery(ctx context.Context, sc staff.Scope, f RewardFilter) *gorm.DB {
	q := sc.Filter(s.db.WithContext(ctx).Table("rewards w"), staff.Columns{Department: "w.department_id"})
	switch f.Status {
	case "":
	case RewardActive:
		q = q.Where("w.withdrawn_at IS NULL")
	case RewardWithdrawn:
		q = q.Where("w.withdrawn_at IS NOT NULL")
	}
	if w := strings.TrimSpace(f.Q); w != "" {
		q = q.Where("w.name LIKE ? ESCAPE '!'", db.Contains(w))
	}
	return q
}

func (s *Service) findManagedRewards(ctx context.Context, sc staff.Scope, f RewardFilter) ([]RewardStats, int64, error) {
	q := s.rewardQuery(ctx, sc, f)
	var rs []RewardStats
	if err := q.Select("w.*").Where("w.id > ?", f.After).Order("w.id").Limit(f.Limit + 1).Scan(&rs).Error; err != nil {
		return nil, 0, fmt.Errorf("find rewards: %w", err)
	}
	if len(rs) > 0 {
		ids := make([]int64, len(rs))
		for i, r := range rs {
			ids[i] = r.ID
		}
		// The counts of a page's rewards, read off the (reward_id, …, status) index.
		var counts []struct {
			RewardID     int64
			Issued, Used int64
		}
		err := s.db.WithContext(ctx).Table("redemptions").
			Select("reward_id, SUM(CASE WHEN status <> 'cancelled' THEN 1 ELSE 0 END) AS issued, SUM(CASE WHEN status = 'used' THEN 1 ELSE 0 END) AS used").
			Where("reward_id IN ?", ids).Group("reward_id").Scan(&counts).Error
		if err != nil {
			return nil, 0, fmt.Errorf("find rewards: %w", err)
		}
		byID := map[int64]int{}
		for i, r := range rs {
			byID[r.ID] = i
		}
		for _, c := range counts {
			rs[byID[c.RewardID]].Issued, rs[byID[c.RewardID]].Used = c.Issued, c.Used
		}
		for i := range rs {
			s.link(&rs[i].Reward)
		}
	}
	return pageOf(rs, f.Limit, func(r RewardStats) int64 { return r.ID })
}

// RewardPatch changes a reward; nil fields (and unset times) are left
// alone. A set time that is nil clears it.
type RewardPatch struct {
	Name             *string               `json:"name" binding:"omitempty,max=64" example:"社区图书馆文创帆布袋"`
	Description      *string               `json:"description" binding:"omitempty,max=1000"`
	Points           *int                  `json:"points" binding:"omitempty,min=1,max=1000000" doc:"only until the first redemption (then 409 with details.reason has_redemptions): everyone who redeems one reward pays one price"`
	PerResidentLimit *int                  `json:"per_resident_limit" binding:"omitempty,min=0,max=1000"`
	MinLevel         *int                  `json:"min_level" binding:"omitempty,min=0,max=100"`
	ValidFrom        patch.Null[time.Time] `json:"valid_from" doc:"null clears it"`
	ValidUntil       patch.Null[time.Time] `json:"valid_until" doc:"null clears it" example:"2026-12-31T16:00:00Z"`
}

// UpdateReward edits reward id on behalf of actor and returns it with its
// counts. Everything but the stock (AdjustStock) and the department may
// change at any time, and applies to redemptions from then on; issued
// vouchers keep what they were redeemed for. The points it costs may change
// only until its first redemption (ErrRewardRedeemed): every resident who
// redeems one reward pays one price, and the points a cancelled voucher
// refunds are those paid; a new price is a new reward. Returns ErrNotFound
// for a reward outside actor's scope, as for a missing one, and an
// invalid_argument naming each bad field.
func (s *Service) UpdateReward(ctx context.Context, actor *staff.Member, id int64, p RewardPatch) (*RewardStats, error) {
	sc := actor.Scope()
	err := s.transact(ctx, func(tx *gorm.DB) error {
		r, err := s.lockReward(tx, sc, id)
		if err != nil {
			return err
		}
		before := *r
		if p.Name != nil {
			r.Name = strings.TrimSpace(*p.Name)
		}
		if p.Description != nil {
			r.Description = *p.Description
		}
		if p.PerResidentLimit != nil {
			r.PerResidentLimit = *p.PerResidentLimit
		}
		if p.MinLevel != nil {
			r.MinLevel = *p.MinLevel
		}
		if p.ValidFrom.Set {
			r.ValidFrom = utc(p.ValidFrom.Value)
		}
		if p.ValidUntil.Set {
			r.ValidUntil = utc(p.ValidUntil.Value)
		}
		repriced := p.Points != nil && *p.Points != r.Points
		if p.Points != nil {
			r.Points = *p.Points
		}
		if err := r.Validate(); err != nil {
			return err
		}
		if repriced {
			var one []int64
			if err := tx.Raw("SELECT id FROM redemptions WHERE reward_id = ? LIMIT 1", id).Scan(&one).Error; err != nil {
				return err
			}
			if len(one) > 0 {
				return ErrRewardRedeemed
			}
		}
		r.UpdatedAt = s.now().UTC()
		staff.AuditChanges(ctx, before, *r)
		return tx.Model(&Reward{}).Where("id = ?", id).Updates(map[string]any{
			"name": r.Name, "description": r.Description, "points": r.Points, "per_resident_limit": r.PerResidentLimit,
			"min_level": r.MinLevel, "valid_from": r.ValidFrom, "valid_until": r.ValidUntil, "updated_at": r.UpdatedAt,
		}).Error
	})
	if err != nil {
		return nil, rewardError("update reward", err)
	}
	return s.managedReward(ctx, sc, id)
}

// AdjustStock adds delta (negative: takes away) to what is left of reward
// id on behalf of actor and returns the reward with its counts. What
// residents already redeemed is not stock any more: the stock may go down
// to zero, not below (ErrStockBelowIssued), whatever redemptions commit
// meanwhile, and at most to 10,000,000. Returns ErrNotFound for a reward
// outside actor's scope, as for a missing one.
func (s *Service) AdjustStock(ctx context.Context, actor *staff.Member, id int64, delta int) (*RewardStats, error) {
	sc := actor.Scope()
	var before, after int
	err := s.transact(ctx, func(tx *gorm.DB) error {
		r, err := s.lockReward(tx, sc, id)
		if err != nil {
			return err
		}
		// Conditional, like a redemption's stock - 1: the two keep the stock
		// in bounds whichever commits first.
		res := tx.Exec("UPDATE rewards SET stock = stock + ?, updated_at = ? WHERE id = ? AND stock + ? >= 0 AND stock + ? <= 10000000",
			delta, s.now().UTC(), id, delta, delta)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if delta > 0 {
				return apperr.Field("delta", "库存不能超过 10000000")
			}
			return ErrStockBelowIssued.With("stock", r.Stock)
		}
		before, after = r.Stock, r.Stock+delta
		staff.AuditDetail(ctx, fmt.Sprintf("stock %+d: %d → %d", delta, before, after))
		return nil
	})
	if err != nil {
		return nil, rewardError("adjust stock", err)
	}
	return s.managedReward(ctx, sc, id)
}

// WithdrawReward withdraws reward id on behalf of actor: it leaves the
// catalogue and takes no new redemption (ErrRewardWithdrawn), while the
// vouchers already issued stay valid until used or cancelled (a cancelled
// one's unit returns to the stock, which nobody can redeem any more).
// Withdrawing is final; a second withdrawal changes nothing. Returns the
// reward with its counts, or ErrNotFound for a reward outside actor's
// scope, as for a missing one.
func (s *Service) WithdrawReward(ctx context.Context, actor *staff.Member, id int64) (*RewardStats, error) {
	sc := actor.Scope()
	err := s.transact(ctx, func(tx *gorm.DB) error {
		r, err := s.lockReward(tx, sc, id)
		if err != nil || r.WithdrawnAt != nil {
			return err
		}
		now := s.now().UTC()
		return tx.Exec("UPDATE rewards SET withdrawn_at = ?, updated_at = ? WHERE id = ?", now, now, id).Error
	})
	if err != nil {
		return nil, rewardError("withdraw reward", err)
	}
	return s.managedReward(ctx, sc, id)
}

// lockReward reads reward id for update within tx. Returns ErrNotFound for a
// missing reward or one sc does not own.
func (s *Service) lockReward(tx *gorm.DB, sc staff.Scope, id int64) (*Reward, error) {
	var rs []Reward
	if err := tx.Raw("SELECT * FROM rewards WHERE id = ?"+s.forUpdate, id).Scan(&rs).Error; err != nil {
		return nil, err
	}
	if len(rs) == 0 || !sc.OwnsDepartment(rs[0].DepartmentID) {
		return nil, ErrNotFound
	}
	return &rs[0], nil
}

// managedReward returns reward id with its counts, as FindManagedRewards
// lists it.
func (s *Service) managedReward(ctx context.Context, sc staff.Scope, id int64) (*RewardStats, error) {
	rs, _, err := s.findManagedRewards(ctx, sc, RewardFilter{After: id - 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 || rs[0].ID != id {
		return nil, ErrNotFound
	}
	return &rs[0], nil
}

func rewardError(op string, err error) error {
	if apperr.CodeOf(err) != "" {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
