package points

import (
	"context"

	"github.com/futian/ifutian/internal/db"
)

// RuleNames returns the names of the points rules ids, by ID (for the
// audit log's objects; a missing ID is left out).
func (s *Service) RuleNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return db.Names(ctx, s.db, "point_rules", "id", "name", ids)
}

// RewardNames returns the names of the rewards ids, by ID.
func (s *Service) RewardNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return db.Names(ctx, s.db, "rewards", "id", "name", ids)
}
