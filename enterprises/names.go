package enterprises

import (
	"context"

	"github.com/futian/ifutian/internal/db"
)

// Names returns the names of the enterprises usccs, by USCC (for the audit
// log's objects; an unknown code is left out).
func (s *Service) Names(ctx context.Context, usccs []string) (map[string]string, error) {
	return db.Names(ctx, s.db, "enterprises", "uscc", "name", usccs)
}

// ProgramNames returns the names of the benefit programs ids, by ID.
func (s *Service) ProgramNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return db.Names(ctx, s.db, "benefit_programs", "id", "name", ids)
}
