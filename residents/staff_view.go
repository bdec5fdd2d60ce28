package residents

import (
	"context"

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
