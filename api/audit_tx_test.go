package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// refuseAudit makes the database refuse every new audit entry until the
// test ends.
func (e *env) refuseAudit() {
	e.t.Helper()
	create := "CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
	if db.DialectOf(e.db) == db.MySQL {
		create = "CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit refused'"
	}
	if err := e.db.Exec(create).Error; err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { e.db.Exec("DROP TRIGGER audit_refuse") })
}

// TestAuditCommitsWithTheChange: a staff write and its audit entry commit
// together. With the audit log refusing entries, the write fails and leaves
// nothing behind (it used to commit, and the lost entry was only logged).
func TestAuditCommitsWithTheChange(t *testing.T) {
	e := newEnv(t)
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 81, "软件")
	e.refuseAudit()

	for _, w := range []struct {
		name, method, path, token string
		body                      any
		table                     string
	}{
		{"Notice", "POST", "/api/v1/admin/notices", editor, map[string]any{"title": "审计测试", "body": "正文", "category": "policy"}, "notices"},
		{"CreditRecord", "POST", "/api/v1/admin/credit-records", officer, map[string]any{
			"uscc": uscc, "kind": "penalty", "severity": "minor", "occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "case_ref": "深福罚〔2026〕81号",
		}, "credit_records"},
	} {
		t.Run(w.name, func(t *testing.T) {
			before := e.count(w.table)
			rec := e.do(w.method, w.path, w.token, w.body)
			if rec.Code < http.StatusInternalServerError {
				t.Fatalf("status=%d with the audit log refusing entries, want 5xx; body: %s", rec.Code, rec.Body.String())
			}
			if got := e.count(w.table); got != before {
				t.Fatalf("%s: %d rows after a write whose audit entry failed, want %d", w.table, got, before)
			}
		})
	}
}
