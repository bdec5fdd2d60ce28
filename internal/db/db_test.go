package db_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
)

func TestIsDuplicate(t *testing.T) {
	gdb := dbtest.Open(t)
	insert := func() error {
		return gdb.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", "重复", "2026-01-01 00:00:00").Error
	}
	if err := insert(); err != nil {
		t.Fatal(err)
	}
	err := insert()
	if !db.IsDuplicate(err) {
		t.Fatalf("IsDuplicate(%v)=false", err)
	}
	if db.IsDuplicate(errors.New("other")) || db.IsRetryable(err) {
		t.Fatal("misclassified error")
	}
}

// TestAuditLogAppendOnly: the database itself refuses to change the audit log.
func TestAuditLogAppendOnly(t *testing.T) {
	gdb := dbtest.Open(t)
	if err := gdb.Exec("INSERT INTO audit_log (actor_id, actor, action, detail, created_at) VALUES (1, 'a', 'x', '', '2026-01-01 00:00:00')").Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.Exec("UPDATE audit_log SET action = 'y'").Error; err == nil {
		t.Fatal("audit_log row updated")
	}
	if err := gdb.Exec("DELETE FROM audit_log").Error; err == nil {
		t.Fatal("audit_log row deleted")
	}
}

func TestOpenErrors(t *testing.T) {
	for _, dsn := range []string{"postgres:x", "sqlite:", "nothing"} {
		if _, _, err := db.Open(context.Background(), dsn); err == nil || !strings.Contains(err.Error(), "IFUTIAN_DB") {
			t.Fatalf("Open(%q)=%v", dsn, err)
		}
	}
}

// TestSQLiteSecureDelete: every pooled connection zeroes deleted content,
// and Checkpoint leaves an empty write-ahead log.
func TestSQLiteSecureDelete(t *testing.T) {
	gdb := dbtest.OpenSQLite(t)
	sqlDB := db.SQL(gdb)
	ctx := context.Background()
	var conns []*sql.Conn
	for range 3 { // distinct connections: each is held until the end
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		var on int
		if err := c.QueryRowContext(ctx, "PRAGMA secure_delete").Scan(&on); err != nil || on != 1 {
			t.Fatalf("connection %d: secure_delete=%d (%v), want 1", i, on, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	if err := gdb.Exec("INSERT INTO departments (name, created_at) VALUES ('checkpointed', '2026-01-01 00:00:00')").Error; err != nil {
		t.Fatal(err)
	}
	var file string
	if err := gdb.Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Checkpoint(ctx, gdb); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file + "-wal"); err == nil && fi.Size() != 0 {
		t.Fatalf("write-ahead log of %d bytes after Checkpoint", fi.Size())
	}
}
