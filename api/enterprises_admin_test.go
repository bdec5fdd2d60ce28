package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/futian/ifutian/staff"
)

// registerOn registers enterprise n on a street through the API.
func (e *env) registerOn(tok string, n int, name, industry, street string) string {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/enterprises", tok, map[string]string{
		"uscc": code(n), "name": name, "industry": industry, "street": street,
	})
	wantStatus(e.t, rec, http.StatusCreated)
	return code(n)
}

// usccs lists the codes of a page of enterprises (or of anything with uscc).
func usccs(t *testing.T, rec *httptest.ResponseRecorder) ([]string, string) {
	t.Helper()
	wantStatus(t, rec, http.StatusOK)
	var p page[struct{ USCC string }]
	decode(t, rec, &p)
	out := []string{}
	for _, it := range p.Items {
		out = append(out, it.USCC)
	}
	return out, p.NextPageToken
}

func TestListEnterprises(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	a := e.registerOn(officer, 11, "深圳华富科技有限公司", "软件", "华富街道")
	b := e.registerOn(officer, 12, "福田Alpha贸易有限公司", "贸易", "莲花街道")
	c := e.registerOn(officer, 13, "华富100%餐饮店", "餐饮", "华富街道")
	e.credit(officer, c, "penalty", "serious") // 85 − 30: D
	list := func(tok, query string) []string {
		t.Helper()
		got, _ := usccs(t, e.do("GET", "/api/v1/admin/enterprises"+query, tok, nil))
		return got
	}
	t.Run("OK", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", []string{c, b, a}}, // newest first
			{"?q=" + url.QueryEscape("华富"), []string{c, a}},
			{"?q=alpha", []string{b}},                                 // any ASCII case
			{"?q=" + url.QueryEscape("100%"), []string{c}},            // % is a character, not a wildcard
			{"?q=" + url.QueryEscape("_"), []string{}},                // so is _
			{"?q=" + strings.ToLower(a[:17]), []string{a}},            // the code's start, any case
			{"?q=" + url.QueryEscape(a[:4]+"-"+a[4:17]), []string{a}}, // typed with a hyphen
			{"?q=" + a[:8], []string{c, b, a}},                        // a prefix they share
			{"?street=" + url.QueryEscape("莲花街道"), []string{b}},
			{"?industry=" + url.QueryEscape("餐饮"), []string{c}},
			{"?grade=D", []string{c}},
			{"?grade=B&street=" + url.QueryEscape("华富街道"), []string{a}},
		} {
			if got := list(officer, tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("GET %s = %v, want %v", tc.query, got, tc.want)
			}
		}
		// Cursor paging walks every enterprise once.
		var seen []string
		token := ""
		for range 5 {
			got, next := usccs(t, e.do("GET", "/api/v1/admin/enterprises?page_size=2&page_token="+token, officer, nil))
			seen = append(seen, got...)
			if token = next; token == "" {
				break
			}
		}
		if !slices.Equal(seen, []string{c, b, a}) {
			t.Fatalf("pages gave %v", seen)
		}
	})
	t.Run("ErrBadFilter", func(t *testing.T) {
		for field, query := range map[string]string{
			"grade":     "?grade=E",
			"street":    "?street=" + url.QueryEscape("火星街道"),
			"q":         "?q=" + strings.Repeat("企", 129),
			"page_size": "?page_size=0",
		} {
			wantError(t, e.do("GET", "/api/v1/admin/enterprises"+query, officer, nil), http.StatusBadRequest, "invalid_argument", field)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		resident, _ := e.resident("alice")
		for _, tok := range []string{editor, resident} {
			wantError(t, e.do("GET", "/api/v1/admin/enterprises", tok, nil), http.StatusForbidden, "permission_denied", "")
		}
	})
	t.Run("Scope", func(t *testing.T) {
		// A street-scoped member finds only their streets' enterprises,
		// whatever they filter on.
		lianhua := e.officer("莲花街道")
		if got := list(lianhua, ""); !slices.Equal(got, []string{b}) {
			t.Fatalf("莲花 officer lists %v", got)
		}
		for _, query := range []string{"?street=" + url.QueryEscape("华富街道"), "?q=" + a, "?grade=D"} {
			if got := list(lianhua, query); len(got) != 0 {
				t.Fatalf("莲花 officer, %s: %v", query, got)
			}
		}
		// The registry belongs to no department: a dept_admin of another
		// department covering every street finds them all.
		other := e.otherDepartment()
		admin, _ := e.stafferIn(&other, []staff.Role{staff.DeptAdmin})
		if got := list(admin, ""); len(got) != 3 {
			t.Fatalf("other department's admin lists %v", got)
		}
	})
}

func TestGetEnterpriseAdmin(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 21, "软件")
	member, _ := e.resident("alice")
	applicant, _ := e.resident("bob")
	e.bind(officer, member, uscc)
	wantStatus(t, e.do("POST", "/api/v1/enterprises/bindings", applicant, map[string]string{"uscc": uscc, "role": "agent"}), http.StatusCreated)
	penalty := e.credit(officer, uscc, "penalty", "general")
	rec := e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": penalty, "reason": "罚款已于次日缴清"})
	wantStatus(t, rec, http.StatusCreated)

	t.Run("OK", func(t *testing.T) {
		before := e.count("audit_log")
		rec := e.do("GET", "/api/v1/admin/enterprises/"+strings.ToLower(uscc), officer, nil)
		wantStatus(t, rec, http.StatusOK)
		var d struct {
			USCC       string
			Grade      string
			Score      int
			Factors    []struct{ ID, Kind string }
			History    []struct{ ID, Grade, Cause string }
			Bindings   struct{ Approved, Pending int }
			Objections []struct {
				FactorID string `json:"factor_id"`
				Reason   string
				Status   string
			}
		}
		decode(t, rec, &d)
		if d.USCC != uscc || d.Grade != "C" || d.Score != 70 {
			t.Fatalf("detail %s", rec.Body.String())
		}
		if len(d.Factors) != 1 || d.Factors[0].ID != penalty || d.Factors[0].Kind != "penalty" {
			t.Fatalf("factors %+v", d.Factors)
		}
		if len(d.History) != 2 || d.History[0].Grade != "C" || d.History[0].Cause != "record" || d.History[1].Grade != "B" || d.History[1].Cause != "created" {
			t.Fatalf("history %+v", d.History)
		}
		if d.Bindings.Approved != 1 || d.Bindings.Pending != 1 {
			t.Fatalf("bindings %+v", d.Bindings)
		}
		if len(d.Objections) != 1 || d.Objections[0].FactorID != penalty || d.Objections[0].Reason != "罚款已于次日缴清" || d.Objections[0].Status != "pending" {
			t.Fatalf("objections %+v", d.Objections)
		}
		// It shows residents' texts: the read is audited.
		if got := e.count("audit_log"); got != before+1 {
			t.Fatalf("audit entries %d, want %d", got, before+1)
		}
	})
	t.Run("ErrBadCode", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/enterprises/91440304MA5000021X", officer, nil), http.StatusBadRequest, "invalid_argument", "uscc")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		reviewer, _ := e.staffer([]staff.Role{staff.Reviewer})
		for _, tok := range []string{reviewer, member} {
			wantError(t, e.do("GET", "/api/v1/admin/enterprises/"+uscc, tok, nil), http.StatusForbidden, "permission_denied", "")
		}
	})
	t.Run("ErrOutOfStreet", func(t *testing.T) {
		lianhua := e.officer("莲花街道")
		got := e.do("GET", "/api/v1/admin/enterprises/"+uscc, lianhua, nil)
		missing := e.do("GET", "/api/v1/admin/enterprises/"+code(999), lianhua, nil)
		wantError(t, got, http.StatusNotFound, "not_found", "")
		if got.Body.String() != missing.Body.String() {
			t.Fatalf("out of street %s, missing %s", got.Body.String(), missing.Body.String())
		}
	})
}

func TestListCreditRecords(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	huafu := e.registerEnterprise(officer, 31, "软件")
	lianhua := e.registerOn(officer, 32, "莲花的公司", "贸易", "莲花街道")
	record := func(tok, uscc, kind, caseRef string) string {
		t.Helper()
		rec := e.do("POST", "/api/v1/admin/credit-records", tok, map[string]string{
			"uscc": uscc, "kind": kind, "severity": "minor", "occurred_at": "2026-01-05T10:00:00+08:00", "case_ref": caseRef,
		})
		wantStatus(t, rec, http.StatusCreated)
		var out struct{ ID string }
		decode(t, rec, &out)
		return out.ID
	}
	r1 := record(officer, huafu, "penalty", "深福罚〔2026〕1号")
	r2 := record(officer, huafu, "honor", "深福表〔2026〕2号")
	r3 := record(officer, lianhua, "penalty", "深福罚〔2026〕3号")
	other := e.otherDepartment()
	officerY, _ := e.stafferIn(&other, []staff.Role{staff.CreditOfficer})
	r4 := record(officerY, huafu, "arrears", "深福欠〔2026〕4号")
	district, _ := e.stafferIn(nil, []staff.Role{staff.Superadmin})

	ids := func(tok, query string) []string {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/credit-records"+query, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p page[struct {
			ID             string
			USCC           string
			EnterpriseName string `json:"enterprise_name"`
		}]
		decode(t, rec, &p)
		out := []string{}
		for _, it := range p.Items {
			if it.USCC == "" || it.EnterpriseName == "" {
				t.Fatalf("record without its enterprise: %s", rec.Body.String())
			}
			out = append(out, it.ID)
		}
		return out
	}
	t.Run("OK", func(t *testing.T) {
		for _, tc := range []struct {
			tok, query string
			want       []string
		}{
			{officer, "", []string{r3, r2, r1}}, // their department's, newest first
			{officer, "?uscc=" + strings.ToLower(huafu), []string{r2, r1}},
			{officer, "?kind=penalty", []string{r3, r1}},
			{officer, "?case_ref=" + url.QueryEscape("深福表〔2026〕2号"), []string{r2}},
			{officer, fmt.Sprintf("?department_id=%d", e.dept), []string{r3, r2, r1}},
			{officer, fmt.Sprintf("?department_id=%d", other), []string{}}, // not theirs to read
			{officerY, "", []string{r4}},
			{district, "", []string{r4, r3, r2, r1}},
			{district, fmt.Sprintf("?department_id=%d&uscc=%s", other, huafu), []string{r4}},
			{district, "?page_size=2", []string{r4, r3}},
		} {
			if got := ids(tc.tok, tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("GET %s = %v, want %v", tc.query, got, tc.want)
			}
		}
	})
	t.Run("ErrBadFilter", func(t *testing.T) {
		for field, query := range map[string]string{
			"uscc":          "?uscc=91440304MA5000031X",
			"kind":          "?kind=fine",
			"department_id": "?department_id=abc",
			"case_ref":      "?case_ref=" + strings.Repeat("号", 129),
			"page_token":    "?page_token=bm90LWFuLWlk", // "not-an-id"
		} {
			wantError(t, e.do("GET", "/api/v1/admin/credit-records"+query, officer, nil), http.StatusBadRequest, "invalid_argument", field)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		admin, _ := e.staffer([]staff.Role{staff.DeptAdmin}) // manages the registry, writes no records
		resident, _ := e.resident("alice")
		for _, tok := range []string{admin, resident} {
			wantError(t, e.do("GET", "/api/v1/admin/credit-records", tok, nil), http.StatusForbidden, "permission_denied", "")
		}
	})
	t.Run("Scope", func(t *testing.T) {
		scoped := e.officer("莲花街道")
		if got := ids(scoped, ""); !slices.Equal(got, []string{r3}) {
			t.Fatalf("莲花 officer lists %v", got)
		}
		if got := ids(scoped, "?uscc="+huafu); len(got) != 0 {
			t.Fatalf("莲花 officer lists 华富's records %v", got)
		}
	})
}
