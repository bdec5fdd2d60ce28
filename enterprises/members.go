package enterprises

import "context"

// MemberIDs returns the residents bound (approved) to an enterprise: whom
// a system notice about it reaches (issue 25: a complaint referred to the
// enterprise first).
func (s *Service) MemberIDs(ctx context.Context, enterpriseID int64) ([]int64, error) {
	return s.members(ctx, enterpriseID)
}

// MemberOf returns the enterprise with a code if the resident holds an
// approved binding to it. Returns invalid_argument for a bad code,
// ErrNotFound for an unknown enterprise and ErrNotMember otherwise.
func (s *Service) MemberOf(ctx context.Context, residentID int64, code string) (*Enterprise, error) {
	return s.memberOf(ctx, residentID, code)
}
