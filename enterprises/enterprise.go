// Package enterprises keeps the enterprise registry (by unified social
// credit code), members bound to enterprises, credit records and ratings.
package enterprises

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Service manages enterprises and their ratings. It is safe for concurrent use.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns a Service over db.
func New(gdb *gorm.DB) *Service { return &Service{db: gdb, now: time.Now} }

// ExportResident returns a resident's enterprise bindings for /me/export.
func (s *Service) ExportResident(ctx context.Context, residentID int64) (any, error) {
	return []any{}, nil
}
