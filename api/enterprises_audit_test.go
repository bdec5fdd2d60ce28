package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/futian/ifutian/staff"
)

// TestEnterpriseWritesAudited: each enterprise write's audit entry names
// what it made and says what happened, although it is written by the
// transaction, before the handler has the answer (a detail set by the
// handler after the commit was lost).
func TestEnterpriseWritesAudited(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	last := func(t *testing.T) staff.AuditEntry {
		t.Helper()
		var a staff.AuditEntry
		if err := e.db.Order("id DESC").Take(&a).Error; err != nil {
			t.Fatal(err)
		}
		return a
	}
	uscc := e.registerEnterprise(officer, 71, "软件")
	if a := last(t); a.TargetKind != "enterprises" || a.TargetID != uscc || a.Detail != "enterprise "+uscc {
		t.Fatalf("registration's entry %+v", a)
	}
	rec := e.do("POST", "/api/v1/admin/credit-records", officer, map[string]string{
		"uscc": uscc, "kind": "penalty", "severity": "minor", "occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "case_ref": "深福罚〔2026〕71号",
	})
	wantStatus(t, rec, http.StatusCreated)
	var r struct{ ID string }
	decode(t, rec, &r)
	if a := last(t); a.TargetKind != "credit-records" || a.TargetID != r.ID || a.Detail != "credit record "+r.ID+" for "+uscc {
		t.Fatalf("credit record's entry %+v", a)
	}
	rec = e.do("POST", "/api/v1/admin/enterprises/import", officer, "uscc,name,industry,street\n"+code(72)+",导入的公司,,华富街道\nbad,,,\n", "Content-Type", "text/csv")
	wantStatus(t, rec, http.StatusOK)
	if a := last(t); a.Detail != "enterprise import: 1 imported, 1 rejected" {
		t.Fatalf("import's entry %+v", a)
	}
	member, _ := e.resident("alice")
	e.bind(officer, member, uscc)
	rec = e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": r.ID, "reason": "已整改"})
	wantStatus(t, rec, http.StatusCreated)
	var o struct{ ID string }
	decode(t, rec, &o)
	wantStatus(t, e.do("POST", "/api/v1/admin/objections/"+o.ID+"/decide", officer, map[string]any{"approve": false, "reason": "证据不足"}), http.StatusOK)
	if a := last(t); a.TargetKind != "objections" || a.TargetID != o.ID || a.Detail != "objection "+o.ID+" rejected" {
		t.Fatalf("decision's entry %+v", a)
	}
	rec = e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{"name": "补贴", "criteria": map[string]any{"min_grade": "B"}})
	wantStatus(t, rec, http.StatusCreated)
	var p struct{ ID string }
	decode(t, rec, &p)
	if a := last(t); a.TargetKind != "benefit-programs" || a.TargetID != p.ID || a.Detail != "benefit program "+p.ID {
		t.Fatalf("program's entry %+v", a)
	}
	wantStatus(t, e.do("POST", "/api/v1/admin/benefit-programs/"+p.ID+"/end", officer, nil), http.StatusOK)
	if a := last(t); a.TargetKind != "benefit-programs" || a.TargetID != p.ID || a.Detail != "benefit program "+p.ID+" ended" {
		t.Fatalf("end's entry %+v", a)
	}
}
