package points

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// Reward is a welfare reward residents redeem for points. Stock is what
// is left to redeem and never goes below zero; PerResidentLimit (0 = none)
// counts a resident's redemptions that were not cancelled; MinLevel is the
// level needed. A withdrawn reward (WithdrawnAt set) takes no new
// redemptions; the vouchers issued before stay valid until used or
// cancelled.
type Reward struct {
	ID               int64      `json:"id,string"`
	DepartmentID     *int64     `json:"department_id,string"`
	Name             string     `json:"name"`
	Description      string     `json:"description"`
	Points           int        `json:"points"`
	Stock            int        `json:"stock" doc:"what is left to redeem; stock + issued (in the managers' list) is what has been offered so far"`
	PerResidentLimit int        `json:"per_resident_limit" doc:"0 = none; cancelled redemptions do not count"`
	MinLevel         int        `json:"min_level"`
	ValidFrom        *time.Time `json:"valid_from"`
	ValidUntil       *time.Time `json:"valid_until"`
	WithdrawnAt      *time.Time `json:"withdrawn_at" doc:"when the reward was withdrawn (null: it was not): no new redemptions; vouchers already issued stay valid until used or cancelled"`
	ImageKey         *string    `json:"-"`
	ThumbKey         *string    `json:"-"`
	// ImageURL and ThumbURL are public links to its picture and thumbnail
	// ("" without one), which an <image> loads without a header.
	ImageURL  string    `json:"image_url" gorm:"-" doc:"public link to the reward's picture (at most 1280 px), for <image src> without a header, cacheable for good; \"\" without a picture"`
	ThumbURL  string    `json:"thumb_url" gorm:"-" doc:"public link to its 320 px JPEG thumbnail; \"\" without a picture"`
	CreatedBy *int64    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName maps Reward to its table.
func (Reward) TableName() string { return "rewards" }

// RewardInput is a reward as staff create it: its tags are the one
// statement of a reward's limits, checked by the API when it binds one and
// by Validate for every change.
type RewardInput struct {
	Name             string     `json:"name" binding:"required,max=64" example:"社区图书馆文创帆布袋"`
	Description      string     `json:"description" binding:"max=1000"`
	Points           int        `json:"points" binding:"required,min=1,max=1000000" example:"200"`
	Stock            int        `json:"stock" binding:"min=0,max=10000000" doc:"what can be redeemed; changes later through /stock"`
	PerResidentLimit int        `json:"per_resident_limit" binding:"min=0,max=1000" doc:"0 = none; cancelled redemptions do not count"`
	MinLevel         int        `json:"min_level" binding:"min=0,max=100" doc:"the level a resident needs to redeem it"`
	ValidFrom        *time.Time `json:"valid_from"`
	ValidUntil       *time.Time `json:"valid_until" doc:"must be after valid_from"`
}

// Reward is the reward the input describes.
func (in RewardInput) Reward() Reward {
	return Reward{Name: in.Name, Description: in.Description, Points: in.Points, Stock: in.Stock,
		PerResidentLimit: in.PerResidentLimit, MinLevel: in.MinLevel, ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil}
}

// Validate checks a reward's fields: RewardInput's tags and the validity
// window.
func (r *Reward) Validate() error {
	in := RewardInput{Name: r.Name, Description: r.Description, Points: r.Points, Stock: r.Stock,
		PerResidentLimit: r.PerResidentLimit, MinLevel: r.MinLevel, ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil}
	err := check.Struct(&in)
	if r.ValidFrom != nil && r.ValidUntil != nil && !r.ValidUntil.After(*r.ValidFrom) {
		err = mergeFields(err, apperr.Field("valid_until", "须晚于 valid_from"))
	}
	return err
}

func (r *Reward) availableAt(now time.Time) bool {
	return (r.ValidFrom == nil || !now.Before(*r.ValidFrom)) && (r.ValidUntil == nil || now.Before(*r.ValidUntil))
}

// CreateReward adds a reward belonging to the department of actor's scope
// (district-wide for a superadmin), or to r.DepartmentID when actor is nil,
// from the command line.
func (s *Service) CreateReward(ctx context.Context, actor *staff.Member, r Reward) (*Reward, error) {
	r.Name = strings.TrimSpace(r.Name)
	r.ValidFrom, r.ValidUntil = utc(r.ValidFrom), utc(r.ValidUntil)
	if err := r.Validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	r.ID, r.WithdrawnAt, r.CreatedAt, r.UpdatedAt = 0, nil, now, now
	r.ImageKey, r.ThumbKey, r.ImageURL, r.ThumbURL = nil, nil, "", ""
	if actor != nil {
		r.DepartmentID, r.CreatedBy = actor.Scope().Department(), &actor.ID
	}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		staff.AuditTarget(ctx, "rewards", strconv.FormatInt(r.ID, 10))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create reward: %w", err)
	}
	return &r, nil
}

// FindRewards lists the rewards available at now (in their validity and
// not withdrawn), by ID, and the cursor of the next page (0 on the last).
func (s *Service) FindRewards(ctx context.Context, now time.Time, after int64, limit int) ([]Reward, int64, error) {
	now = now.UTC()
	var rs []Reward
	err := s.db.WithContext(ctx).
		Where("id > ? AND withdrawn_at IS NULL AND (valid_from IS NULL OR valid_from <= ?) AND (valid_until IS NULL OR valid_until > ?)", after, now, now).
		Order("id").Limit(limit + 1).Find(&rs).Error
	if err != nil {
		return nil, 0, fmt.Errorf("find rewards: %w", err)
	}
	for i := range rs {
		s.link(&rs[i])
	}
	return pageOf(rs, limit, func(r Reward) int64 { return r.ID })
}

// RedemptionStatus is where a voucher stands.
type RedemptionStatus string

// The statuses of a redemption.
const (
	VoucherIssued    RedemptionStatus = "issued"    // may be used
	VoucherUsed      RedemptionStatus = "used"      // a verifier accepted it
	VoucherCancelled RedemptionStatus = "cancelled" // by the resident: the points refunded
)

// Enum lists the statuses.
func (RedemptionStatus) Enum() []string {
	return []string{string(VoucherIssued), string(VoucherUsed), string(VoucherCancelled)}
}

// Redemption is a reward redeemed by a resident. Status is issued (the
// voucher may be used), used or cancelled.
type Redemption struct {
	ID               int64            `json:"id,string"`
	ResidentID       int64            `json:"resident_id,string"`
	RewardID         int64            `json:"reward_id,string"`
	RewardName       string           `json:"reward_name" gorm:"->;-:migration"`
	IdempotencyKey   *string          `json:"-"`
	Points           int              `json:"points"`
	VoucherCode      string           `json:"voucher_code" doc:"what the resident shows a verifier"`
	Status           RedemptionStatus `json:"status"`
	SpendTxID        int64            `json:"-"`
	RestoreExpiresAt *time.Time       `json:"-"`
	UsedBy           *int64           `json:"-"`
	UsedAt           *time.Time       `json:"used_at"`
	CancelledAt      *time.Time       `json:"cancelled_at"`
	CreatedAt        time.Time        `json:"created_at"`
	UpdatedAt        time.Time        `json:"updated_at"`
}

// TableName maps Redemption to its table.
func (Redemption) TableName() string { return "redemptions" }

// MaxRedeemKey is the most bytes of a redemption's idempotency key.
const MaxRedeemKey = 128

// Redeem spends a resident's points on a reward and issues a voucher.
// Stock and points are taken in one transaction. With an idempotency key
// a repeat returns the first redemption (repeated = true). Returns
// ErrInsufficientPoints, ErrOutOfStock, ErrLimitReached, ErrLevelTooLow,
// ErrRewardUnavailable, ErrRewardWithdrawn, ErrIdempotencyReused or
// ErrNotFound.
func (s *Service) Redeem(ctx context.Context, residentID, rewardID int64, key string) (*Redemption, bool, error) {
	if len(key) > MaxRedeemKey {
		return nil, false, apperr.Field("Idempotency-Key", "不能多于 "+strconv.Itoa(MaxRedeemKey)+" 个字符")
	}
	red, repeated, err := s.redeem(ctx, residentID, rewardID, key)
	if db.IsDuplicate(err) && key != "" {
		// A concurrent request with the same key won; return its result.
		red, repeated, err = s.redeem(ctx, residentID, rewardID, key)
	}
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("redeem: %w", err)
	}
	return red, repeated, nil
}

func (s *Service) redeem(ctx context.Context, residentID, rewardID int64, key string) (red *Redemption, repeated bool, err error) {
	err = s.transact(ctx, func(tx *gorm.DB) error {
		red, repeated = nil, false
		a, err := s.lock(tx, residentID)
		if err != nil {
			return err
		}
		if key != "" {
			var prev []Redemption
			if err := tx.Where("resident_id = ? AND idempotency_key = ?", residentID, key).Limit(1).Find(&prev).Error; err != nil {
				return err
			}
			if len(prev) == 1 {
				if prev[0].RewardID != rewardID {
					return ErrIdempotencyReused
				}
				red, repeated = &prev[0], true
				return nil
			}
		}
		// The reward is locked (after the resident, as every writer that
		// locks both does), so that its price and withdrawal cannot change
		// between this read and the redemption's commit (UpdateReward,
		// WithdrawReward).
		var rw []Reward
		if err := tx.Raw("SELECT * FROM rewards WHERE id = ?"+s.forUpdate, rewardID).Scan(&rw).Error; err != nil {
			return err
		}
		if len(rw) == 0 {
			return ErrNotFound
		}
		reward := rw[0]
		now := s.now().UTC()
		if reward.WithdrawnAt != nil {
			return ErrRewardWithdrawn
		}
		if !reward.availableAt(now) {
			return ErrRewardUnavailable
		}
		if s.LevelOf(a.lifetime) < reward.MinLevel {
			return ErrLevelTooLow
		}
		if reward.PerResidentLimit > 0 {
			var n int64
			if err := tx.Model(&Redemption{}).Where("reward_id = ? AND resident_id = ? AND status <> 'cancelled'", rewardID, residentID).Count(&n).Error; err != nil {
				return err
			}
			if n >= int64(reward.PerResidentLimit) {
				return ErrLimitReached
			}
		}
		if a.balance < int64(reward.Points) {
			return ErrInsufficientPoints
		}
		res := tx.Exec("UPDATE rewards SET stock = stock - 1, updated_at = ? WHERE id = ? AND stock > 0", now, rewardID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrOutOfStock
		}
		code := voucherCode()
		spend := &Transaction{Delta: -int64(reward.Points), Kind: Spend, Idem: "voucher/" + code, Reason: "兑换：" + reward.Name, CreatedAt: now}
		if err := s.debit(tx, a, spend); err != nil {
			return err
		}
		red = &Redemption{
			ResidentID: residentID, RewardID: rewardID, Points: reward.Points, VoucherCode: code, Status: "issued",
			SpendTxID: spend.ID, RestoreExpiresAt: spend.RestoreExpiresAt, CreatedAt: now, UpdatedAt: now, RewardName: reward.Name,
		}
		if key != "" {
			red.IdempotencyKey = &key
		}
		return tx.Omit("RewardName").Create(red).Error
	})
	return red, repeated, err
}

// voucherAlphabet has no easily confused characters (0/O, 1/I/L).
const voucherAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// voucherCode returns a random 12-character voucher code (about 59 bits).
func voucherCode() string {
	var b [12]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = voucherAlphabet[int(b[i])%len(voucherAlphabet)]
	}
	return string(b[:])
}

// CancelRedemption cancels a resident's own unused voucher: the points come
// back as a refund (expiring as the spent points would have) and the stock
// returns. Returns ErrNotFound for another resident's redemption and
// ErrNotCancellable for a used or cancelled one.
func (s *Service) CancelRedemption(ctx context.Context, residentID, redemptionID int64) (*Redemption, error) {
	var red Redemption
	err := s.transact(ctx, func(tx *gorm.DB) error {
		a, err := s.lock(tx, residentID)
		if err != nil {
			return err
		}
		var reds []Redemption
		if err := tx.Where("id = ? AND resident_id = ?", redemptionID, residentID).Limit(1).Find(&reds).Error; err != nil {
			return err
		}
		if len(reds) == 0 {
			return ErrNotFound
		}
		red = reds[0]
		now := s.now().UTC()
		// Conditional: a verifier marking the voucher used at the same
		// moment leaves it used, not refunded.
		res := tx.Exec("UPDATE redemptions SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE id = ? AND status = 'issued'", now, now, red.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotCancellable
		}
		if err := tx.Exec("UPDATE rewards SET stock = stock + 1, updated_at = ? WHERE id = ?", now, red.RewardID).Error; err != nil {
			return err
		}
		red.Status, red.CancelledAt, red.UpdatedAt = "cancelled", &now, now
		return s.credit(tx, a, &Transaction{
			Delta: int64(red.Points), Kind: Refund, Idem: "voucher/" + red.VoucherCode,
			Reason: "取消兑换退还积分", ExpiresAt: red.RestoreExpiresAt, CreatedAt: now,
		})
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("cancel redemption: %w", err)
	}
	return &red, nil
}

// VerifyVoucher marks a voucher used on behalf of actor. A district-wide
// reward's voucher (no department) may be verified by any department's
// verifier, a department's reward only within that department; either way
// the resident must live on a street actor covers. Returns ErrNotFound for
// an unknown voucher or one outside actor's scope, and ErrVoucherUsed when
// it was used or cancelled already.
func (s *Service) VerifyVoucher(ctx context.Context, actor *staff.Member, code string) (*Redemption, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	sc := actor.Scope()
	gdb := s.db.WithContext(ctx)
	var found []struct {
		Redemption
		RewardDepartmentID *int64
		ResidentStreet     string
	}
	err := gdb.Table("redemptions d").
		Select("d.*, w.name AS reward_name, w.department_id AS reward_department_id, COALESCE("+residents.StreetColumn("r")+", '') AS resident_street").
		Joins("JOIN rewards w ON w.id = d.reward_id").Joins(residents.Join("r", "d.resident_id")).
		Where("d.voucher_code = ?", code).Limit(1).Scan(&found).Error
	if err != nil {
		return nil, fmt.Errorf("verify voucher: %w", err)
	}
	if len(found) == 0 || !sc.MayUse(found[0].RewardDepartmentID) || !sc.CoversStreet(found[0].ResidentStreet) {
		return nil, ErrNotFound
	}
	red := found[0].Redemption
	now := s.now().UTC()
	res := gdb.Exec("UPDATE redemptions SET status = 'used', used_by = ?, used_at = ?, updated_at = ? WHERE id = ? AND status = 'issued'",
		actor.ID, now, now, red.ID)
	if res.Error != nil {
		return nil, fmt.Errorf("verify voucher: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrVoucherUsed
	}
	red.Status, red.UsedBy, red.UsedAt, red.UpdatedAt = "used", &actor.ID, &now, now
	return &red, nil
}

// FindRedemptions lists a resident's redemptions, newest first, and the
// cursor of the next page (0 on the last).
func (s *Service) FindRedemptions(ctx context.Context, residentID, before int64, limit int) ([]Redemption, int64, error) {
	q := s.db.WithContext(ctx).Table("redemptions d").Select("d.*, w.name AS reward_name").
		Joins("JOIN rewards w ON w.id = d.reward_id").Where("d.resident_id = ?", residentID)
	if before > 0 {
		q = q.Where("d.id < ?", before)
	}
	var reds []Redemption
	if err := q.Order("d.id DESC").Limit(limit + 1).Scan(&reds).Error; err != nil {
		return nil, 0, fmt.Errorf("find redemptions: %w", err)
	}
	return pageOf(reds, limit, func(r Redemption) int64 { return r.ID })
}
