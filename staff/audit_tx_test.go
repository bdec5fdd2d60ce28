package staff

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
)

func TestPendingAudit(t *testing.T) {
	s := newService(t)
	entries := func(action string) []AuditEntry {
		var es []AuditEntry
		if err := s.db.Where("action = ?", action).Find(&es).Error; err != nil {
			t.Fatal(err)
		}
		return es
	}
	change := func(tx *gorm.DB, name string) error {
		return tx.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", name, "2026-01-01 00:00:00").Error
	}
	t.Run("WrittenWithTheChange", func(t *testing.T) {
		ctx, p := s.BeginAudit(context.Background(), AuditEntry{ActorID: 1, Actor: "a", Action: "tx-ok"})
		for _, name := range []string{"部门甲", "部门乙"} { // two transactions, one entry
			if err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
				if err := change(tx, name); err != nil {
					return err
				}
				AuditTarget(ctx, "departments", name)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Finish(ctx, true); err != nil {
			t.Fatal(err)
		}
		es := entries("tx-ok")
		if len(es) != 1 || es[0].TargetKind != "departments" || es[0].TargetID != "部门甲" {
			t.Fatalf("entries=%+v, want one naming the first department", es)
		}
	})
	t.Run("RolledBackWithTheChange", func(t *testing.T) {
		ctx, p := s.BeginAudit(context.Background(), AuditEntry{ActorID: 1, Actor: "a", Action: "tx-failed"})
		boom := errors.New("boom")
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			if err := change(tx, "部门丙"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if err := p.Finish(ctx, false); err != nil {
			t.Fatal(err)
		}
		if es := entries("tx-failed"); len(es) != 0 {
			t.Fatalf("entries=%+v, want none", es)
		}
	})
	t.Run("WithoutTransaction", func(t *testing.T) {
		ctx, p := s.BeginAudit(context.Background(), AuditEntry{ActorID: 1, Actor: "a", Action: "no-tx"})
		AuditDetail(ctx, "read")
		if err := p.Finish(ctx, true); err != nil {
			t.Fatal(err)
		}
		if err := p.Finish(ctx, true); err != nil { // once only
			t.Fatal(err)
		}
		if es := entries("no-tx"); len(es) != 1 || es[0].Detail != "read" {
			t.Fatalf("entries=%+v, want one with its detail", es)
		}
	})
}
