package staff

import (
	"context"

	"github.com/futian/ifutian/internal/db"
)

// Usernames returns the usernames of the members ids, by ID (usernames
// never change; for the audit log's objects).
func (s *Service) Usernames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return db.Names(ctx, s.db, "staff", "id", "username", ids)
}

// DepartmentNames returns the names of the departments ids, by ID.
func (s *Service) DepartmentNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return db.Names(ctx, s.db, "departments", "id", "name", ids)
}
