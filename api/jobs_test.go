package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/staff"
)

// TestJobsAdmin: a superadmin lists failed and stuck jobs with their
// errors and retries or cancels one (audited); a district auditor reads
// but may not act; a department's auditor lists nothing; other staff are
// refused; bad input is 400 naming the field and writes nothing; an
// unknown job is 404, a done one 409.
func TestJobsAdmin(t *testing.T) {
	e := newEnv(t)
	for _, k := range []string{"failed", "stuck", "done"} {
		if err := jobs.Enqueue(e.db, "test.kind", k, map[string]string{"k": k}); err != nil {
			t.Fatal(err)
		}
	}
	e.db.Model(&jobs.Job{}).Where("unique_key = ?", "failed").Updates(map[string]any{"status": jobs.Failed, "attempts": 15, "last_error": "ledger down"})
	e.db.Model(&jobs.Job{}).Where("unique_key = ?", "stuck").Updates(map[string]any{"status": jobs.Running, "run_at": time.Now().Add(-time.Minute)})
	e.db.Model(&jobs.Job{}).Where("unique_key = ?", "done").Update("status", jobs.Done)
	id := func(key string) string {
		var j jobs.Job
		e.db.Where("unique_key = ?", key).Take(&j)
		return itoa(j.ID)
	}
	root, _ := e.stafferIn(nil, []staff.Role{staff.Superadmin})
	district := e.districtAuditor()
	deptAuditor, _ := e.staffer([]staff.Role{staff.Auditor})
	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer, staff.DeptAdmin})
	const v1 = "/api/v1/admin/jobs"

	t.Run("OK", func(t *testing.T) {
		for _, tok := range []string{root, district} {
			rec := e.do("GET", v1+"?status=failed", tok, nil)
			wantStatus(t, rec, http.StatusOK)
			if b := rec.Body.String(); !strings.Contains(b, `"key":"failed"`) || !strings.Contains(b, `"last_error":"ledger down"`) || strings.Contains(b, `"key":"stuck"`) {
				t.Fatalf("failed jobs: %s", b)
			}
			rec = e.do("GET", v1+"?status=stuck", tok, nil)
			if b := rec.Body.String(); !strings.Contains(b, `"key":"stuck"`) || strings.Contains(b, `"key":"failed"`) {
				t.Fatalf("stuck jobs: %s", b)
			}
		}
		rec := e.do("POST", v1+"/"+id("failed")+"/retry", root, nil)
		wantStatus(t, rec, http.StatusOK)
		if b := rec.Body.String(); !strings.Contains(b, `"status":"queued"`) || !strings.Contains(b, `"attempts":0`) {
			t.Fatalf("retried: %s", b)
		}
		rec = e.do("POST", v1+"/"+id("failed")+"/cancel", root, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"status":"cancelled"`) {
			t.Fatalf("cancelled: %s", rec.Body.String())
		}
		for _, action := range []string{"POST /api/v1/admin/jobs/:id/retry", "POST /api/v1/admin/jobs/:id/cancel"} {
			es := e.auditEntries(action)
			if len(es) != 1 || es[0].TargetKind != "jobs" || es[0].TargetID != id("failed") || !strings.Contains(es[0].Detail, "test.kind") {
				t.Fatalf("audit of %s: %+v", action, es)
			}
		}
	})
	t.Run("ErrBadStatus", func(t *testing.T) {
		wantError(t, e.do("GET", v1+"?status=broken", root, nil), http.StatusBadRequest, "invalid_argument", "status")
		wantError(t, e.do("GET", v1+"?status=broken", deptAuditor, nil), http.StatusBadRequest, "invalid_argument", "status")
	})
	t.Run("ErrConflictAndNotFound", func(t *testing.T) {
		snapshot := func() string {
			var js []jobs.Job
			e.db.Order("id").Find(&js)
			var b strings.Builder
			for _, j := range js {
				b.WriteString(string(j.Status) + itoa(int64(j.Attempts)) + j.RunAt.String() + ",")
			}
			return b.String()
		}
		before := snapshot()
		wantError(t, e.do("POST", v1+"/"+id("done")+"/retry", root, nil), http.StatusConflict, "conflict", "")
		wantError(t, e.do("POST", v1+"/"+id("stuck")+"/cancel", root, nil), http.StatusConflict, "conflict", "")
		wantError(t, e.do("POST", v1+"/999999/retry", root, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("POST", v1+"/x/cancel", root, nil), http.StatusNotFound, "not_found", "")
		if after := snapshot(); after != before {
			t.Fatalf("refused changes wrote: %s → %s", before, after)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantError(t, e.do("GET", v1, officer, nil), http.StatusForbidden, "permission_denied", "")
		for _, tok := range []string{district, deptAuditor, officer} {
			wantError(t, e.do("POST", v1+"/"+id("stuck")+"/retry", tok, nil), http.StatusForbidden, "permission_denied", "")
			wantError(t, e.do("POST", v1+"/"+id("stuck")+"/cancel", tok, nil), http.StatusForbidden, "permission_denied", "")
		}
	})
	t.Run("OutOfScopeListsNothing", func(t *testing.T) {
		rec := e.do("GET", v1, deptAuditor, nil)
		wantStatus(t, rec, http.StatusOK)
		if !emptyPage(rec.Body.String()) {
			t.Fatalf("a department's auditor sees %s", rec.Body.String())
		}
	})
}
