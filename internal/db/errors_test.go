package db_test

import (
	"errors"
	"testing"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
)

// TestInvalidText: MySQL refuses bytes that are not UTF-8 and the error is
// recognised with its column; SQLite stores them and reports nothing.
func TestInvalidText(t *testing.T) {
	gdb := dbtest.Open(t)
	err := gdb.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", "部门\xff\xfe", "2026-01-01 00:00:00").Error
	if db.DialectOf(gdb) == db.SQLite {
		if err != nil {
			t.Fatalf("SQLite: %v", err)
		}
		return
	}
	column, ok := db.InvalidText(err)
	if !ok || column != "name" {
		t.Fatalf("InvalidText(%v)=%q, %v; want name, true", err, column, ok)
	}
	if _, ok := db.InvalidText(errors.New("Incorrect string value")); ok {
		t.Fatal("a plain error recognised")
	}
}
