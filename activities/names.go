package activities

import (
	"context"

	"github.com/futian/ifutian/internal/db"
)

// Titles returns the titles of the activities ids, by ID (for the audit
// log's objects; a missing ID is left out).
func (s *Service) Titles(ctx context.Context, ids []int64) (map[int64]string, error) {
	return db.Names(ctx, s.db, "activities", "id", "title", ids)
}
