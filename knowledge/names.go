package knowledge

import (
	"context"

	"github.com/futian/ifutian/internal/db"
)

// Questions returns the questions of the entries ids, by ID (for the audit
// log's objects; a missing ID is left out).
func (s *Service) Questions(ctx context.Context, ids []int64) (map[int64]string, error) {
	return db.Names(ctx, s.db, "knowledge_entries", "id", "question", ids)
}
