package residents

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// FindForStaff returns a live resident to a staff member acting with scope. A
// resident of a street the scope does not cover answers ErrNotFound, like
// an unknown or deleted one (a street-scoped member covers no resident
// without a street).
func (s *Service) FindForStaff(ctx context.Context, scope staff.Scope, id int64) (*Resident, error) {
	r, err := s.FindByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !scope.CoversStreet(r.Street) {
		return nil, ErrNotFound
	}
	return r, nil
}

// CheckForStaffTx reports, in tx, whether a live resident lives on a street
// scope covers: nil if so, ErrNotFound otherwise (unknown, erased or out
// of scope alike, so scope never confirms that a resident exists). For
// another module acting on a resident inside its own transaction (an
// activity's hand check-in, an hours adjustment).
func CheckForStaffTx(tx *gorm.DB, scope staff.Scope, id int64) error {
	var streets []string
	if err := tx.Model(&Resident{}).Where("id = ? AND deleted_at IS NULL", id).Limit(1).Pluck("street", &streets).Error; err != nil {
		return fmt.Errorf("find resident: %w", err)
	}
	if len(streets) == 0 || !scope.CoversStreet(streets[0]) {
		return ErrNotFound
	}
	return nil
}

// mainlandMobile is a mainland China mobile number as WeChat gives it
// (purePhoneNumber): 11 digits starting with 1.
var mainlandMobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// NormalizePhone returns phone as it is stored: spaces and hyphens
// dropped, a +86 or 0086 prefix removed. Returns an invalid_argument
// naming field unless the rest is a mainland mobile number.
func NormalizePhone(field, phone string) (string, error) {
	p := strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(phone))
	for _, prefix := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			p = rest
			break
		}
	}
	if !mainlandMobile.MatchString(p) {
		return "", apperr.Field(field, "须为 11 位手机号码")
	}
	return p, nil
}

// FindByPhoneForStaff returns the live resident whose bound phone number is
// phone (through its keyed hash) to a staff member acting with scope. A
// resident of a street the scope does not cover answers ErrNotFound, like
// a number nobody has bound. Returns an invalid_argument naming phone for
// a malformed number.
func (s *Service) FindByPhoneForStaff(ctx context.Context, scope staff.Scope, phone string) (*Resident, error) {
	p, err := NormalizePhone("phone", phone)
	if err != nil {
		return nil, err
	}
	r, err := s.FindByPhone(ctx, p)
	if err != nil {
		return nil, err
	}
	if !scope.CoversStreet(r.Street) {
		return nil, ErrNotFound
	}
	return r, nil
}
