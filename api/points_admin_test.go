package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/staff"
)

// auditEntries returns the audit entries of action ("POST /api/v1/…").
func (e *env) auditEntries(action string) []staff.AuditEntry {
	e.t.Helper()
	var es []staff.AuditEntry
	if err := e.db.Where("action = ?", action).Order("id").Find(&es).Error; err != nil {
		e.t.Fatal(err)
	}
	return es
}

// bindPhone binds phone to the resident of token through the fake WeChat.
func (e *env) bindPhone(token, phone string) {
	e.t.Helper()
	wantStatus(e.t, e.do("POST", "/api/v1/me/phone", token, map[string]any{"code": "mock-phone:" + phone}), http.StatusOK)
}

// TestResidentLookup: an officer finds a resident by phone number, masked
// and audited; a malformed number is 400 naming phone, another role 403,
// a resident outside the officer's streets or an unbound number 404.
func TestResidentLookup(t *testing.T) {
	e := newPointsEnv(t)
	e.bindPhone(e.resident, "13812345678")
	lookup := func(token string, body any) *httptest.ResponseRecorder {
		return e.do("POST", "/api/v1/admin/residents/lookup", token, body)
	}
	const action = "POST /api/v1/admin/residents/lookup"

	t.Run("OK", func(t *testing.T) {
		for _, phone := range []string{"13812345678", "138 1234 5678", "+86 138-1234-5678"} {
			rec := lookup(e.officer, map[string]any{"phone": phone})
			wantStatus(t, rec, http.StatusOK)
			var r map[string]any
			decode(t, rec, &r)
			if r["id"] != e.ridStr || r["phone_masked"] != "138****5678" || r["street"] != "华富街道" || r["nickname"] != "阿丽" {
				t.Fatalf("%q: %s", phone, rec.Body.String())
			}
			if strings.Contains(rec.Body.String(), "12345678") {
				t.Fatalf("the full number leaks: %s", rec.Body.String())
			}
		}
		es := e.auditEntries(action)
		if len(es) != 3 || es[0].TargetKind != "residents" || es[0].TargetID != e.ridStr {
			t.Fatalf("audit entries %+v, want 3 naming resident %s", es, e.ridStr)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, body := range []any{map[string]any{"phone": "1381234567"}, map[string]any{"phone": "23812345678"}, map[string]any{}, map[string]any{"phone": 13812345678}} {
			wantError(t, lookup(e.officer, body), http.StatusBadRequest, "invalid_argument", "phone")
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		verifier, _ := e.staffer([]staff.Role{staff.Verifier})
		wantError(t, lookup(verifier, map[string]any{"phone": "13812345678"}), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		before := len(e.auditEntries(action))
		lianhua, _ := e.staffer([]staff.Role{staff.PointsOfficer}, "莲花街道")
		rec := lookup(lianhua, map[string]any{"phone": "13812345678"})
		wantError(t, rec, http.StatusNotFound, "not_found", "")
		wantNoLeak(t, rec, e.ridStr, "138****5678")
		wantError(t, lookup(e.officer, map[string]any{"phone": "13900000000"}), http.StatusNotFound, "not_found", "")
		if got := len(e.auditEntries(action)); got != before {
			t.Fatalf("%d audit entries for refused look-ups, want none", got-before)
		}
	})
}

// TestResidentLookupThrottled: look-ups are limited per staff member, so
// numbers cannot be tried in bulk; another member is not held back.
func TestResidentLookupThrottled(t *testing.T) {
	e := newEnvWith(t, func(c *Config) {
		c.Limits = DefaultLimits
		c.Limits.ResidentLookup = ratelimit.Limit{Count: 3, Period: time.Hour}
	})
	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	other, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	for i := range 3 {
		wantError(t, e.do("POST", "/api/v1/admin/residents/lookup", officer, map[string]any{"phone": "1390000000" + strconv.Itoa(i)}), http.StatusNotFound, "not_found", "")
	}
	rec := e.do("POST", "/api/v1/admin/residents/lookup", officer, map[string]any{"phone": "13900000009"})
	wantError(t, rec, http.StatusTooManyRequests, "rate_limited", "")
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	wantError(t, e.do("POST", "/api/v1/admin/residents/lookup", other, map[string]any{"phone": "13900000009"}), http.StatusNotFound, "not_found", "")
}

// TestAdminRulesAPI: the console's rules list and rule edits.
func TestAdminRulesAPI(t *testing.T) {
	e := newPointsEnv(t) // the officer's department owns rule volunteer
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", admin, map[string]any{"code": "district_rule", "name": "全区规则", "points": 5}), http.StatusCreated)
	other := e.otherDepartment()
	otherOfficer := e.stafferOf(&other, []staff.Role{staff.PointsOfficer})
	rec := e.do("POST", "/api/v1/admin/points/rules", otherOfficer, map[string]any{"code": "their_rule", "name": "他部门规则", "points": 5,
		"valid_until": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	wantStatus(t, rec, http.StatusCreated)
	var theirs idBody
	decode(t, rec, &theirs)
	ids := map[string]string{}
	list := func(token, query string) []map[string]any {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/points/rules"+query, token, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []map[string]any }
		decode(t, rec, &p)
		for _, it := range p.Items {
			ids[it["code"].(string)] = it["id"].(string)
		}
		return p.Items
	}

	t.Run("List", func(t *testing.T) {
		items := list(e.officer, "")
		if len(items) != 2 || items[0]["code"] != "volunteer" || items[0]["editable"] != true || items[1]["editable"] != false || items[1]["active"] != true {
			t.Fatalf("officer's rules %v", items)
		}
		if items := list(admin, "?active=false"); len(items) != 1 || items[0]["code"] != "their_rule" || items[0]["editable"] != true {
			t.Fatalf("superadmin's inactive rules %v", items)
		}
		if items := list(e.officer, "?q=全区&page_size=1"); len(items) != 1 || items[0]["code"] != "district_rule" {
			t.Fatalf("q=全区: %v", items)
		}
		wantError(t, e.do("GET", "/api/v1/admin/points/rules?active=maybe", e.officer, nil), http.StatusBadRequest, "invalid_argument", "active")
	})
	t.Run("Update", func(t *testing.T) {
		until := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
		rec := e.do("PATCH", "/api/v1/admin/points/rules/"+ids["volunteer"], e.officer, map[string]any{
			"daily_cap": 1, "monthly_cap": 4, "valid_until": until.Format(time.RFC3339)})
		wantStatus(t, rec, http.StatusOK)
		var r map[string]any
		decode(t, rec, &r)
		if r["daily_cap"] != 1.0 || r["monthly_cap"] != 4.0 || r["version"] != 2.0 || r["valid_until"] != formatTime(until) || r["points"] != 50.0 {
			t.Fatalf("updated %s", rec.Body.String())
		}
		rec = e.do("PATCH", "/api/v1/admin/points/rules/"+ids["volunteer"], e.officer, map[string]any{"valid_until": nil})
		wantStatus(t, rec, http.StatusOK)
		decode(t, rec, &r)
		if r["valid_until"] != nil || r["version"] != 3.0 {
			t.Fatalf("cleared %s", rec.Body.String())
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		before := e.count("point_rule_versions")
		for field, v := range map[string]any{"daily_cap": -1, "points": 0, "expiry": "weekly", "name": strings.Repeat("名", 65), "valid_from": "yesterday"} {
			wantError(t, e.do("PATCH", "/api/v1/admin/points/rules/"+ids["volunteer"], e.officer, map[string]any{field: v}), http.StatusBadRequest, "invalid_argument", field)
		}
		wantError(t, e.do("PATCH", "/api/v1/admin/points/rules/"+ids["volunteer"], e.officer, map[string]any{"expiry": "days"}), http.StatusBadRequest, "invalid_argument", "expiry_days")
		if got := e.count("point_rule_versions"); got != before {
			t.Fatalf("%d versions written by refused edits", got-before)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		verifier, _ := e.staffer([]staff.Role{staff.Verifier})
		wantError(t, e.do("GET", "/api/v1/admin/points/rules", verifier, nil), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("PATCH", "/api/v1/admin/points/rules/"+ids["volunteer"], verifier, map[string]any{"points": 5}), http.StatusForbidden, "permission_denied", "")
		// A district rule a department's officer may use but not change.
		wantError(t, e.do("PATCH", "/api/v1/admin/points/rules/"+ids["district_rule"], e.officer, map[string]any{"points": 5}), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		rec := e.do("PATCH", "/api/v1/admin/points/rules/"+theirs.ID, e.officer, map[string]any{"points": 5})
		wantError(t, rec, http.StatusNotFound, "not_found", "")
		wantNoLeak(t, rec, "their_rule")
		for _, it := range list(e.officer, "") {
			if it["code"] == "their_rule" {
				t.Fatalf("another department's rule listed: %v", it)
			}
		}
	})
}

// inboxTexts returns the title and body of each notice in the resident's inbox, newest first.
func (e *env) inboxTexts(token string) []string {
	e.t.Helper()
	rec := e.do("GET", "/api/v1/notices", token, nil)
	wantStatus(e.t, rec, http.StatusOK)
	var p struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	decode(e.t, rec, &p)
	// A list carries summaries: each notice is read for its body.
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		rec := e.do("GET", "/api/v1/notices/"+it.ID, token, nil)
		wantStatus(e.t, rec, http.StatusOK)
		var n struct {
			Title string `json:"title"`
			Body  string `json:"body"`
		}
		decode(e.t, rec, &n)
		out[i] = n.Title + "：" + n.Body
	}
	return out
}

// TestDueProcessAPI (issue #16): a deduction tells the resident in their
// inbox (once, however often it is repeated) with its appeal deadline,
// officers find it in their list, the resident appeals and follows the
// appeal, the officer finds it in the queue and decides, and the resident
// is told; after the deadline an appeal is 409 appeal_window_closed.
func TestDueProcessAPI(t *testing.T) {
	e := newPointsEnv(t)
	e.bindPhone(e.resident, "13812345678")
	deduct := map[string]any{"resident_id": e.ridStr, "points": 10, "case_ref": "福田城管罚〔2026〕12号", "reason": "店外占道经营"}
	rec := e.do("POST", "/api/v1/admin/points/deductions", e.officer, deduct)
	wantStatus(t, rec, http.StatusCreated)
	var d map[string]any
	decode(t, rec, &d)
	deadline, err := time.Parse(time.RFC3339, d["appeal_deadline"].(string))
	if err != nil || deadline.Before(time.Now().Add(30*24*time.Hour)) || deadline.After(time.Now().Add(32*24*time.Hour)) {
		t.Fatalf("appeal_deadline %v (%v), want 30–31 days ahead", d["appeal_deadline"], err)
	}
	wantStatus(t, e.do("POST", "/api/v1/admin/points/deductions", e.officer, deduct), http.StatusOK)
	inbox := e.inboxTexts(e.resident)
	// The case reference is the officer's words: read in the ledger, never pushed.
	if len(inbox) != 1 || !strings.Contains(inbox[0], "积分扣减通知") || strings.Contains(inbox[0], "福田城管罚〔2026〕12号") ||
		!strings.Contains(inbox[0], deadline.Add(-time.Second).In(time.FixedZone("", 8*3600)).Format("2006年1月2日")) || strings.Contains(inbox[0], "占道经营") {
		t.Fatalf("inbox after a deduction and its repeat: %q", inbox)
	}
	// The audit entry is written with the deduction and names it.
	if es := e.auditEntries("POST /api/v1/admin/points/deductions"); len(es) != 2 || es[0].TargetKind != "transactions" || es[0].TargetID != d["id"] {
		t.Fatalf("audit entries %+v", es)
	}
	// The resident's ledger shows the deadline.
	rec = e.do("GET", "/api/v1/points/transactions", e.resident, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"appeal_deadline":"`+d["appeal_deadline"].(string)+`"`) {
		t.Fatalf("ledger %s", rec.Body.String())
	}

	t.Run("Deductions", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/points/deductions?case_ref="+url.QueryEscape("福田城管罚〔2026〕12号"), e.officer, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []map[string]any }
		decode(t, rec, &p)
		if len(p.Items) != 1 || p.Items[0]["id"] != d["id"] || p.Items[0]["appeal"] != nil || p.Items[0]["recorded_by"] == "" ||
			p.Items[0]["resident"].(map[string]any)["phone_masked"] != "138****5678" {
			t.Fatalf("deductions %s", rec.Body.String())
		}
		for _, q := range []string{"?case_ref=FT-0", "?resident_id=" + strconv.FormatInt(e.rid+1000, 10), "?since=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))} {
			rec := e.do("GET", "/api/v1/admin/points/deductions"+q, e.officer, nil)
			wantStatus(t, rec, http.StatusOK)
			if !emptyPage(rec.Body.String()) {
				t.Fatalf("%s: %s", q, rec.Body.String())
			}
		}
		rec = e.do("GET", "/api/v1/admin/points/deductions?resident_id="+e.ridStr+"&until="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), e.officer, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"id":"`+d["id"].(string)+`"`) {
			t.Fatalf("by resident: %s", rec.Body.String())
		}
		if es := e.auditEntries("GET /api/v1/admin/points/deductions"); len(es) != 5 {
			t.Fatalf("%d audit entries for 5 reads of deductions", len(es))
		}
		wantError(t, e.do("GET", "/api/v1/admin/points/deductions?resident_id=x", e.officer, nil), http.StatusBadRequest, "invalid_argument", "resident_id")
		wantError(t, e.do("GET", "/api/v1/admin/points/deductions?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", e.officer, nil), http.StatusBadRequest, "invalid_argument", "until")
		verifier, _ := e.staffer([]staff.Role{staff.Verifier})
		wantError(t, e.do("GET", "/api/v1/admin/points/deductions", verifier, nil), http.StatusForbidden, "permission_denied", "")
	})

	rec = e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"transaction_id": d["id"], "reason": "当天不在现场"})
	wantStatus(t, rec, http.StatusCreated)
	var ap idBody
	decode(t, rec, &ap)

	t.Run("MyAppeals", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/points/appeals", e.resident, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []map[string]any }
		decode(t, rec, &p)
		if len(p.Items) != 1 || p.Items[0]["status"] != "pending" || p.Items[0]["deduction"].(map[string]any)["case_ref"] != "福田城管罚〔2026〕12号" ||
			p.Items[0]["deduction"].(map[string]any)["appeal_deadline"] != d["appeal_deadline"] || p.Items[0]["resident"] != nil {
			t.Fatalf("my appeals %s", rec.Body.String())
		}
		bob, _ := e.env.resident("bob")
		rec = e.do("GET", "/api/v1/points/appeals", bob, nil)
		if !emptyPage(rec.Body.String()) {
			t.Fatalf("bob sees %s", rec.Body.String())
		}
		wantError(t, e.do("GET", "/api/v1/points/appeals", e.officer, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("Queue", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/points/appeals?status=pending", e.officer, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []map[string]any }
		decode(t, rec, &p)
		if len(p.Items) != 1 || p.Items[0]["id"] != ap.ID || p.Items[0]["reason"] != "当天不在现场" || p.Items[0]["resident"].(map[string]any)["id"] != e.ridStr {
			t.Fatalf("queue %s", rec.Body.String())
		}
		for _, q := range []string{"?status=approved", "?since=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))} {
			if rec := e.do("GET", "/api/v1/admin/points/appeals"+q, e.officer, nil); !emptyPage(rec.Body.String()) {
				t.Fatalf("%s: %s", q, rec.Body.String())
			}
		}
		wantError(t, e.do("GET", "/api/v1/admin/points/appeals?status=open", e.officer, nil), http.StatusBadRequest, "invalid_argument", "status")
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.do("GET", "/api/v1/admin/points/appeals", editor, nil), http.StatusForbidden, "permission_denied", "")
		// Out of scope: another department, another street.
		other := e.otherDepartment()
		for _, tok := range []string{e.stafferOf(&other, []staff.Role{staff.PointsOfficer}), e.stafferOf(&e.dept, []staff.Role{staff.PointsOfficer}, "莲花街道")} {
			for _, path := range []string{"/api/v1/admin/points/appeals", "/api/v1/admin/points/deductions"} {
				if rec := e.do("GET", path, tok, nil); !emptyPage(rec.Body.String()) {
					t.Fatalf("%s out of scope: %s", path, rec.Body.String())
				}
			}
		}
	})
	t.Run("Decide", func(t *testing.T) {
		wantStatus(t, e.do("POST", "/api/v1/admin/points/appeals/"+ap.ID+"/decide", e.officer, map[string]any{"approve": true, "note": "监控显示当事人不在现场"}), http.StatusOK)
		inbox := e.inboxTexts(e.resident)
		if len(inbox) != 2 || !strings.Contains(inbox[0], "申诉成立") || strings.Contains(inbox[0], "监控") {
			t.Fatalf("inbox after the decision: %q", inbox)
		}
		rec := e.do("GET", "/api/v1/points/appeals", e.resident, nil)
		if !strings.Contains(rec.Body.String(), `"status":"approved"`) || !strings.Contains(rec.Body.String(), "监控显示当事人不在现场") {
			t.Fatalf("my appeals after the decision: %s", rec.Body.String())
		}
		rec = e.do("GET", "/api/v1/admin/points/deductions", e.officer, nil)
		if !strings.Contains(rec.Body.String(), `"appeal":{"id":"`+ap.ID+`","status":"approved"}`) {
			t.Fatalf("deductions after the decision: %s", rec.Body.String())
		}
		if es := e.auditEntries("POST /api/v1/admin/points/appeals/:id/decide"); len(es) != 1 || es[0].Detail != "appeal approved" {
			t.Fatalf("audit %+v", es)
		}
	})
	t.Run("ConcurrentRepeats", func(t *testing.T) {
		before := len(e.inboxTexts(e.resident))
		body := map[string]any{"resident_id": e.ridStr, "points": 3, "case_ref": "FT-RUSH", "reason": "占道"}
		var wg sync.WaitGroup
		codes := make([]int, 10)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.do("POST", "/api/v1/admin/points/deductions", e.officer, body).Code
			}()
		}
		wg.Wait()
		created := 0
		for _, c := range codes {
			switch c {
			case http.StatusCreated:
				created++
			case http.StatusOK:
			default:
				t.Fatalf("statuses %v", codes)
			}
		}
		if got := len(e.inboxTexts(e.resident)) - before; created != 1 || got != 1 {
			t.Fatalf("%d created and %d notices for 10 concurrent repeats, want 1 and 1", created, got)
		}
	})
	t.Run("ErrAppealWindowClosed", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": e.ridStr, "points": 5, "case_ref": "FT-OLD", "reason": "占道"})
		wantStatus(t, rec, http.StatusCreated)
		var old idBody
		decode(t, rec, &old)
		if err := e.db.Exec("UPDATE point_transactions SET appeal_deadline = ? WHERE id = ?", time.Now().Add(-time.Minute).UTC(), old.ID).Error; err != nil {
			t.Fatal(err)
		}
		before := e.count("point_appeals")
		rec = e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"transaction_id": old.ID, "reason": "不服"})
		wantError(t, rec, http.StatusConflict, "conflict", "")
		if !strings.Contains(rec.Body.String(), `"reason":"appeal_window_closed"`) {
			t.Fatalf("409 without its reason: %s", rec.Body.String())
		}
		if got := e.count("point_appeals"); got != before {
			t.Fatal("an appeal after the deadline was written")
		}
	})
	e.reconcile()
}

// TestAdminRewardsAPI: the rewards list with counts, edits, stock changes
// and withdrawal.
func TestAdminRewardsAPI(t *testing.T) {
	e := newPointsEnv(t) // the resident has 50 points
	id := e.createReward(e.officer)
	path := "/api/v1/admin/rewards/" + id
	get := func(token string, query string) []map[string]any {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/rewards"+query, token, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []map[string]any }
		decode(t, rec, &p)
		return p.Items
	}

	t.Run("OK", func(t *testing.T) {
		rec := e.do("PATCH", path, e.officer, map[string]any{"points": 10, "per_resident_limit": 1, "description": "凭券入园一次"})
		wantStatus(t, rec, http.StatusOK)
		code := e.redeemVoucher(e.resident, id)
		rec = e.do("POST", path+"/stock", e.officer, map[string]any{"delta": 5})
		wantStatus(t, rec, http.StatusOK)
		var r map[string]any
		decode(t, rec, &r)
		if r["stock"] != 24.0 || r["issued"] != 1.0 || r["used"] != 0.0 || r["points"] != 10.0 || r["withdrawn_at"] != nil {
			t.Fatalf("after +5: %s", rec.Body.String())
		}
		if es := e.auditEntries("POST /api/v1/admin/rewards/:id/stock"); len(es) != 1 || es[0].Detail != "stock +5: 19 → 24" || es[0].TargetID != id {
			t.Fatalf("audit %+v", es)
		}
		rec = e.do("POST", path+"/stock", e.officer, map[string]any{"delta": -25})
		wantError(t, rec, http.StatusConflict, "conflict", "")
		if !strings.Contains(rec.Body.String(), `"reason":"stock_below_issued"`) || !strings.Contains(rec.Body.String(), `"stock":24`) {
			t.Fatalf("409 %s", rec.Body.String())
		}
		rec = e.do("PATCH", path, e.officer, map[string]any{"points": 11})
		wantError(t, rec, http.StatusConflict, "conflict", "")
		if !strings.Contains(rec.Body.String(), `"reason":"has_redemptions"`) {
			t.Fatalf("409 %s", rec.Body.String())
		}

		wantStatus(t, e.do("POST", path+"/withdraw", e.officer, nil), http.StatusOK)
		wantStatus(t, e.do("POST", path+"/withdraw", e.officer, nil), http.StatusOK)
		rec = e.do("GET", "/api/v1/rewards", e.resident, nil)
		if !emptyPage(rec.Body.String()) {
			t.Fatalf("catalogue shows a withdrawn reward: %s", rec.Body.String())
		}
		rec = e.do("POST", "/api/v1/rewards/"+id+"/redeem", e.resident, nil)
		wantError(t, rec, http.StatusConflict, "conflict", "")
		if !strings.Contains(rec.Body.String(), `"reason":"withdrawn"`) {
			t.Fatalf("redeem a withdrawn reward: %s", rec.Body.String())
		}
		verifier, _ := e.staffer([]staff.Role{staff.Verifier})
		wantStatus(t, e.do("POST", "/api/v1/admin/redemptions/verify", verifier, map[string]any{"voucher_code": code}), http.StatusOK)
		items := get(e.officer, "?status=withdrawn")
		if len(items) != 1 || items[0]["issued"] != 1.0 || items[0]["used"] != 1.0 || items[0]["withdrawn_at"] == nil {
			t.Fatalf("withdrawn rewards %v", items)
		}
		if items := get(e.officer, "?status=active"); len(items) != 0 {
			t.Fatalf("active rewards %v", items)
		}
		if items := get(e.officer, "?q=年卡"); len(items) != 1 {
			t.Fatalf("q=年卡: %v", items)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		before := e.db.Table("rewards").Where("id = ?", id)
		var updated []time.Time
		before.Pluck("updated_at", &updated)
		for field, v := range map[string]any{"per_resident_limit": -1, "points": 0, "name": "", "min_level": 101, "valid_until": "soon"} {
			wantError(t, e.do("PATCH", path, e.officer, map[string]any{field: v}), http.StatusBadRequest, "invalid_argument", field)
		}
		for _, body := range []any{map[string]any{}, map[string]any{"delta": 0}, map[string]any{"delta": "5"}, map[string]any{"delta": 20000000}} {
			wantError(t, e.do("POST", path+"/stock", e.officer, body), http.StatusBadRequest, "invalid_argument", "delta")
		}
		wantError(t, e.do("GET", "/api/v1/admin/rewards?status=gone", e.officer, nil), http.StatusBadRequest, "invalid_argument", "status")
		var after []time.Time
		e.db.Table("rewards").Where("id = ?", id).Pluck("updated_at", &after)
		if !after[0].Equal(updated[0]) {
			t.Fatal("a refused edit changed the reward")
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		verifier, _ := e.staffer([]staff.Role{staff.Verifier})
		wantError(t, e.do("GET", "/api/v1/admin/rewards", verifier, nil), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("PATCH", path, verifier, map[string]any{"name": "x"}), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("POST", path+"/stock", verifier, map[string]any{"delta": 1}), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("POST", path+"/withdraw", verifier, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		other := e.otherDepartment()
		tok := e.stafferOf(&other, []staff.Role{staff.PointsOfficer})
		if items := get(tok, ""); len(items) != 0 {
			t.Fatalf("another department lists %v", items)
		}
		wantError(t, e.do("PATCH", path, tok, map[string]any{"name": "x"}), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("POST", path+"/stock", tok, map[string]any{"delta": 1}), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("PATCH", "/api/v1/admin/rewards/999999", e.officer, map[string]any{"name": "x"}), http.StatusNotFound, "not_found", "")
	})
	e.reconcile()
}

// TestPointsWritesCommitWithTheirAudit (issue #13): every points write
// made in a transaction writes the request's audit entry in it, so a
// change never stands without its entry: with audit inserts refused, each
// write fails and changes nothing. (Before, these writes committed and
// their entry was written after the response, which could fail alone.)
func TestPointsWritesCommitWithTheirAudit(t *testing.T) {
	e := newPointsEnv(t)
	rec := e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": e.ridStr, "points": 5, "case_ref": "FT-A", "reason": "占道"})
	wantStatus(t, rec, http.StatusCreated)
	var d idBody
	decode(t, rec, &d)
	var ap idBody
	rec = e.do("POST", "/api/v1/points/appeals", e.resident, map[string]any{"transaction_id": d.ID, "reason": "不在现场"})
	wantStatus(t, rec, http.StatusCreated)
	decode(t, rec, &ap)
	reward := e.createReward(e.officer)
	var rule int64
	if err := e.db.Raw("SELECT id FROM point_rules WHERE code = 'volunteer'").Row().Scan(&rule); err != nil {
		t.Fatal(err)
	}
	// An award that repays debts, or is refused at the rule's daily cap of
	// 2, commits with its entry too. A grant on an account without debts is
	// the documented exception (README): a single INSERT, its entry written
	// right after it. Either entry names the grant.
	granted := e.award(e.rid, "audit-1", http.StatusCreated)
	if es := e.auditEntries("POST /api/v1/admin/points/awards"); len(es) == 0 || es[len(es)-1].TargetKind != "transactions" || es[len(es)-1].TargetID != granted["id"] {
		t.Fatalf("audit entries %+v, want the last naming transaction %v", es, granted["id"])
	}
	newcomer := func(name string) string {
		tok, id := e.env.resident(name)
		wantStatus(t, e.do("PATCH", "/api/v1/me", tok, map[string]any{"street": "华富街道"}), http.StatusOK)
		return strconv.FormatInt(id, 10)
	}
	debtor := newcomer("bob")
	wantStatus(t, e.do("POST", "/api/v1/admin/points/deductions", e.officer, map[string]any{"resident_id": debtor, "points": 5, "case_ref": "FT-C", "reason": "占道"}), http.StatusCreated)

	e.refuseAudit()
	tables := []string{"point_transactions", "point_lots", "point_accounts", "point_award_refusals", "point_appeals", "point_rules", "point_rule_versions", "rewards", "notices"}
	counts := func() string {
		var b strings.Builder
		for _, table := range tables {
			var rows []map[string]any
			if err := e.db.Table(table).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			b.WriteString(fmt.Sprint(table, rows, "\n"))
		}
		return b.String()
	}
	before := counts()
	for _, w := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/admin/points/deductions", map[string]any{"resident_id": e.ridStr, "points": 5, "case_ref": "FT-B", "reason": "占道"}},
		{"POST", "/api/v1/admin/points/appeals/" + ap.ID + "/decide", map[string]any{"approve": true}},
		{"POST", "/api/v1/admin/points/rules", map[string]any{"code": "new_rule", "name": "新规则", "points": 5}},
		{"PATCH", "/api/v1/admin/points/rules/" + strconv.FormatInt(rule, 10), map[string]any{"points": 5}},
		{"POST", "/api/v1/admin/rewards", map[string]any{"name": "新奖品", "points": 5, "stock": 1}},
		{"PATCH", "/api/v1/admin/rewards/" + reward, map[string]any{"name": "新名字"}},
		{"POST", "/api/v1/admin/rewards/" + reward + "/stock", map[string]any{"delta": 1}},
		{"POST", "/api/v1/admin/rewards/" + reward + "/withdraw", nil},
		{"POST", "/api/v1/admin/points/awards", map[string]any{"resident_id": debtor, "rule_code": "volunteer", "external_id": "audit-debt"}},
		{"POST", "/api/v1/admin/points/awards", map[string]any{"resident_id": e.ridStr, "rule_code": "volunteer", "external_id": "audit-cap"}},
	} {
		rec := e.do(w.method, w.path, e.officer, w.body)
		wantError(t, rec, http.StatusInternalServerError, "internal", "")
		if after := counts(); after != before {
			t.Fatalf("%s %s changed data without its audit entry:\n%s", w.method, w.path, firstDiff(before, after))
		}
	}
}
