package db_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
)

// deptHook writes a department when a transaction commits, and counts
// the commits it saw.
type deptHook struct {
	name      string
	committed int
}

func (h *deptHook) BeforeCommit(tx *gorm.DB) error {
	return tx.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", h.name, "2026-01-01 00:00:00").Error
}

func (h *deptHook) Committed() { h.committed++ }

func TestTransactHooks(t *testing.T) {
	gdb := dbtest.Open(t)
	count := func(name string) int64 {
		var n int64
		if err := gdb.Table("departments").Where("name = ?", name).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Run("CommitsWithTheChange", func(t *testing.T) {
		h := &deptHook{name: "hook-ok"}
		ctx := db.WithTxHook(context.Background(), h)
		attempts := 0
		err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
			attempts++
			if err := tx.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", "change-ok", "2026-01-01 00:00:00").Error; err != nil {
				return err
			}
			if attempts == 1 {
				return db.ErrSerialization // rolled back, run again
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if attempts != 2 || count("change-ok") != 1 || count("hook-ok") != 1 || h.committed != 1 {
			t.Fatalf("attempts=%d change=%d hook=%d committed=%d, want 2 1 1 1", attempts, count("change-ok"), count("hook-ok"), h.committed)
		}
	})
	t.Run("OnceLeavesTheConflictToTheCaller", func(t *testing.T) {
		h := &deptHook{name: "hook-once"}
		ctx := db.WithTxHook(context.Background(), h)
		attempts := 0
		err := db.TransactOnce(ctx, gdb, func(tx *gorm.DB) error {
			attempts++
			if err := tx.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", "change-once", "2026-01-01 00:00:00").Error; err != nil {
				return err
			}
			return db.ErrSerialization
		})
		if !db.IsRetryable(err) || attempts != 1 || count("change-once") != 0 || count("hook-once") != 0 || h.committed != 0 {
			t.Fatalf("err=%v attempts=%d change=%d hook=%d committed=%d, want a retryable error after one rolled-back attempt", err, attempts, count("change-once"), count("hook-once"), h.committed)
		}
		if err := db.TransactOnce(ctx, gdb, func(tx *gorm.DB) error { return nil }); err != nil || count("hook-once") != 1 || h.committed != 1 {
			t.Fatalf("err=%v hook=%d committed=%d, want the hook committed once", err, count("hook-once"), h.committed)
		}
	})
	t.Run("RolledBackWithTheChange", func(t *testing.T) {
		h := &deptHook{name: "hook-failed"}
		ctx := db.WithTxHook(context.Background(), h)
		boom := errors.New("boom")
		err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
			if err := tx.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", "change-failed", "2026-01-01 00:00:00").Error; err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err=%v, want boom", err)
		}
		if count("change-failed") != 0 || count("hook-failed") != 0 || h.committed != 0 {
			t.Fatal("a failed transaction left rows or reported a commit")
		}
	})
	t.Run("HookFailureRollsBack", func(t *testing.T) {
		h := &deptHook{name: "dup"}
		ctx := db.WithTxHook(context.Background(), h)
		if err := gdb.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", "dup", "2026-01-01 00:00:00").Error; err != nil {
			t.Fatal(err)
		}
		err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
			return tx.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", "change-dup", "2026-01-01 00:00:00").Error
		})
		if !db.IsDuplicate(err) {
			t.Fatalf("err=%v, want the hook's duplicate", err)
		}
		if count("change-dup") != 0 || h.committed != 0 {
			t.Fatal("the change committed although its hook failed")
		}
	})
}
