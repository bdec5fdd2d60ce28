package db_test

import (
	"context"
	"errors"
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
