package api

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/staff"
)

// code returns a valid unified social credit code numbered n.
func code(n int) string { return enterprises.CompleteUSCC(fmt.Sprintf("91440304MA5%06d", n)) }

// officer returns a credit officer of e.dept (optionally street-scoped).
func (e *env) officer(streets ...string) string {
	tok, _ := e.staffer([]staff.Role{staff.CreditOfficer}, streets...)
	return tok
}

// registerEnterprise registers an enterprise in 华富街道 through the API.
func (e *env) registerEnterprise(tok string, n int, industry string) string {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/enterprises", tok, map[string]string{
		"uscc": code(n), "name": fmt.Sprintf("福田测试企业%d有限公司", n), "industry": industry, "street": "华富街道",
	})
	wantStatus(e.t, rec, http.StatusCreated)
	return code(n)
}

// bind makes the resident an approved member of the enterprise.
func (e *env) bind(officer, resident, uscc string) {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/enterprises/bindings", resident, map[string]string{"uscc": uscc, "role": "agent"})
	wantStatus(e.t, rec, http.StatusCreated)
	var b struct {
		ID string `json:"id"`
	}
	decode(e.t, rec, &b)
	rec = e.do("POST", "/api/v1/admin/enterprise-bindings/"+b.ID+"/decide", officer, map[string]any{"approve": true})
	wantStatus(e.t, rec, http.StatusOK)
}

// credit writes a credit record and returns its ID.
func (e *env) credit(officer, uscc, kind, severity string) string {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/credit-records", officer, map[string]string{
		"uscc": uscc, "kind": kind, "severity": severity, "occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"case_ref": "深福监罚〔2026〕1号",
	})
	wantStatus(e.t, rec, http.StatusCreated)
	var out struct {
		ID string `json:"id"`
	}
	decode(e.t, rec, &out)
	return out.ID
}

func TestPublicRating(t *testing.T) {
	e := newEnv(t)
	uscc := e.registerEnterprise(e.officer(), 1, "制造业")
	t.Run("OK", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/enterprises/"+strings.ToLower(uscc)+"/rating", "", nil)
		wantStatus(t, rec, http.StatusOK)
		var got map[string]any
		decode(t, rec, &got)
		if len(got) != 5 || got["uscc"] != uscc || got["grade"] != "B" || got["rated_at"] == nil || got["valid_until"] == nil || got["name"] == "" {
			t.Fatalf("public view=%v, want exactly uscc,name,grade,rated_at,valid_until", got)
		}
	})
	t.Run("ErrBadCode", func(t *testing.T) {
		for _, c := range []string{"914403001922038217", "91440300192203821", "9144030019220382I6"} {
			wantError(t, e.do("GET", "/api/v1/enterprises/"+c+"/rating", "", nil), http.StatusBadRequest, "invalid_argument", "uscc")
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/enterprises/914403001922038216/rating", "", nil), http.StatusNotFound, "not_found", "")
	})
}

func TestCreateEnterprise(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	body := func(c, street string) map[string]string {
		return map[string]string{"uscc": c, "name": "深圳市测试科技有限公司", "industry": "软件", "street": street}
	}
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/enterprises", officer, body("9144030071526726xg", "华富街道"))
		wantStatus(t, rec, http.StatusCreated)
		var got enterprises.Enterprise
		decode(t, rec, &got)
		if got.USCC != "9144030071526726XG" || got.Grade != "B" || got.Score == nil || *got.Score != enterprises.BaseScore {
			t.Fatalf("created=%+v", got)
		}
		if n := e.count("ratings"); n != 1 {
			t.Fatalf("ratings=%d, want 1", n)
		}
	})
	t.Run("ErrDuplicate", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/enterprises", officer, body("9144030071526726XG", "华富街道")), http.StatusConflict, "conflict", "")
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		before := e.count("enterprises")
		for _, c := range []string{"914403001922038217", "91440300192203821", "9144030019220382I6"} {
			wantError(t, e.do("POST", "/api/v1/admin/enterprises", officer, body(c, "华富街道")), http.StatusBadRequest, "invalid_argument", "uscc")
		}
		wantError(t, e.do("POST", "/api/v1/admin/enterprises", officer, body("914403001922038216", "火星街道")), http.StatusBadRequest, "invalid_argument", "street")
		wantError(t, e.do("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": "914403001922038216", "street": "华富街道"}), http.StatusBadRequest, "invalid_argument", "name")
		if got := e.count("enterprises"); got != before {
			t.Fatalf("enterprises=%d, want %d", got, before)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		before := e.count("enterprises")
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.do("POST", "/api/v1/admin/enterprises", editor, body("914403001922038216", "华富街道")), http.StatusForbidden, "permission_denied", "")
		scoped := e.officer("莲花街道")
		wantError(t, e.do("POST", "/api/v1/admin/enterprises", scoped, body("914403001922038216", "华富街道")), http.StatusForbidden, "permission_denied", "")
		resident, _ := e.resident("alice")
		wantStatus(t, e.do("POST", "/api/v1/admin/enterprises", resident, body("914403001922038216", "华富街道")), http.StatusForbidden)
		if got := e.count("enterprises"); got != before {
			t.Fatalf("enterprises=%d, want %d", got, before)
		}
	})
}

func TestImportEnterprises(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	csv := "\ufeffuscc,name,industry,street\n" +
		"914403001922038216,深圳市甲公司,制造业,华富街道\n" +
		"914403001922038217,坏校验位公司,制造业,华富街道\n" +
		"9144030071526726xg,深圳市乙公司,软件,莲花街道\n" +
		"91440300192203821,十七位公司,软件,莲花街道\n" +
		"914403001922038216,重复公司,软件,莲花街道\n" +
		"9144030019220382I6,含I公司,软件,莲花街道\n" +
		"only,two\n"
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/enterprises/import", officer, csv, "Content-Type", "text/csv")
		wantStatus(t, rec, http.StatusOK)
		var got enterprises.ImportResult
		decode(t, rec, &got)
		lines := []int{}
		for _, le := range got.Errors {
			lines = append(lines, le.Line)
		}
		if got.Imported != 2 || fmt.Sprint(lines) != "[3 5 6 7 8]" {
			t.Fatalf("import=%+v, want 2 imported and errors on lines 3 5 6 7 8", got)
		}
		if n := e.count("enterprises"); n != 2 {
			t.Fatalf("enterprises=%d, want 2", n)
		}
	})
	t.Run("OKMultipartAgain", func(t *testing.T) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "e.csv")
		fw.Write([]byte(csv))
		w.Close()
		rec := e.do("POST", "/api/v1/admin/enterprises/import", officer, buf.Bytes(), "Content-Type", w.FormDataContentType())
		wantStatus(t, rec, http.StatusOK)
		var got enterprises.ImportResult
		decode(t, rec, &got)
		if got.Imported != 0 || len(got.Errors) != 7 {
			t.Fatalf("re-import=%+v, want every line rejected", got)
		}
	})
	t.Run("ErrHeader", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/enterprises/import", officer, "code,name\n914403001922038216,x\n", "Content-Type", "text/csv"),
			http.StatusBadRequest, "invalid_argument", "file")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		before := e.count("enterprises")
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantStatus(t, e.do("POST", "/api/v1/admin/enterprises/import", editor, csv, "Content-Type", "text/csv"), http.StatusForbidden)
		// A street-scoped officer imports only their streets' lines.
		scoped := e.officer("华富街道")
		rec := e.do("POST", "/api/v1/admin/enterprises/import", scoped,
			"uscc,name,industry,street\n"+code(9)+",莲花的公司,软件,莲花街道\n", "Content-Type", "text/csv")
		wantStatus(t, rec, http.StatusOK)
		var got enterprises.ImportResult
		decode(t, rec, &got)
		if got.Imported != 0 || len(got.Errors) != 1 || e.count("enterprises") != before {
			t.Fatalf("scoped import=%+v", got)
		}
	})
}

func TestBindingsAndVisibility(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	otherUSCC := e.registerEnterprise(officer, 2, "软件")
	member, memberID := e.resident("alice")
	otherMember, _ := e.resident("bob")
	stranger, _ := e.resident("carol")
	e.bind(officer, otherMember, otherUSCC)
	factor := e.credit(officer, uscc, "penalty", "general")

	var bindingID string
	t.Run("Request", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/enterprises/bindings", member, map[string]string{"uscc": strings.ToLower(uscc), "role": "legal_rep"})
		wantStatus(t, rec, http.StatusCreated)
		var b enterprises.Binding
		decode(t, rec, &b)
		if b.Status != "pending" || b.USCC != uscc || b.ResidentID != memberID || b.Role != "legal_rep" {
			t.Fatalf("binding=%+v", b)
		}
		bindingID = fmt.Sprint(b.ID)
		// Asking again changes nothing.
		wantStatus(t, e.do("POST", "/api/v1/enterprises/bindings", member, map[string]string{"uscc": uscc, "role": "legal_rep"}), http.StatusOK)
	})
	t.Run("ErrRequestBadInput", func(t *testing.T) {
		before := e.count("enterprise_bindings")
		wantError(t, e.do("POST", "/api/v1/enterprises/bindings", stranger, map[string]string{"uscc": uscc, "role": "boss"}), http.StatusBadRequest, "invalid_argument", "role")
		wantError(t, e.do("POST", "/api/v1/enterprises/bindings", stranger, map[string]string{"uscc": "914403001922038217", "role": "agent"}), http.StatusBadRequest, "invalid_argument", "uscc")
		wantError(t, e.do("POST", "/api/v1/enterprises/bindings", stranger, map[string]string{"uscc": "914403001922038216", "role": "agent"}), http.StatusNotFound, "not_found", "")
		if got := e.count("enterprise_bindings"); got != before {
			t.Fatalf("bindings=%d, want %d", got, before)
		}
	})
	t.Run("PendingSeesNothing", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/enterprises/"+uscc, member, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ErrDecideForbidden", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantStatus(t, e.do("POST", "/api/v1/admin/enterprise-bindings/"+bindingID+"/decide", editor, map[string]any{"approve": true}), http.StatusForbidden)
		scoped := e.officer("莲花街道")
		wantError(t, e.do("POST", "/api/v1/admin/enterprise-bindings/"+bindingID+"/decide", scoped, map[string]any{"approve": true}), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("POST", "/api/v1/admin/enterprise-bindings/"+bindingID+"/decide", officer, map[string]any{}), http.StatusBadRequest, "invalid_argument", "approve")
		wantError(t, e.do("POST", "/api/v1/admin/enterprise-bindings/"+bindingID+"/decide", officer, map[string]any{"approve": "yes"}), http.StatusBadRequest, "invalid_argument", "approve")
		wantError(t, e.do("POST", "/api/v1/admin/enterprise-bindings/x/decide", officer, map[string]any{"approve": true}), http.StatusNotFound, "not_found", "")
		var status string
		e.db.Raw("SELECT status FROM enterprise_bindings WHERE id = ?", bindingID).Scan(&status)
		if status != "pending" {
			t.Fatalf("status=%q, want still pending", status)
		}
	})
	t.Run("Decide", func(t *testing.T) {
		scoped := e.officer("华富街道")
		rec := e.do("POST", "/api/v1/admin/enterprise-bindings/"+bindingID+"/decide", scoped, map[string]any{"approve": true})
		wantStatus(t, rec, http.StatusOK)
		wantError(t, e.do("POST", "/api/v1/admin/enterprise-bindings/"+bindingID+"/decide", officer, map[string]any{"approve": false}), http.StatusConflict, "conflict", "")
	})
	t.Run("MemberDetail", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/enterprises/"+uscc, member, nil)
		wantStatus(t, rec, http.StatusOK)
		var d struct {
			Grade   string `json:"grade"`
			Score   int    `json:"score"`
			Factors []struct {
				ID        string `json:"id"`
				Points    int    `json:"points"`
				Reason    string `json:"reason"`
				ExpiresAt string `json:"expires_at"`
			} `json:"factors"`
			History []struct {
				Grade string `json:"grade"`
			} `json:"history"`
		}
		decode(t, rec, &d)
		if d.Score != enterprises.BaseScore-15 || d.Grade != "C" || len(d.Factors) != 1 || d.Factors[0].ID != factor ||
			d.Factors[0].Points != -15 || d.Factors[0].Reason == "" || d.Factors[0].ExpiresAt == "" || len(d.History) != 2 {
			t.Fatalf("detail=%s", rec.Body.String())
		}
	})
	t.Run("MyEnterprises", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/me/enterprises", member, nil)
		wantStatus(t, rec, http.StatusOK)
		var got page[enterprises.MyEnterprise]
		decode(t, rec, &got)
		if len(got.Items) != 1 || got.Items[0].USCC != uscc || got.Items[0].Grade != "C" || *got.Items[0].Score != 70 || got.Items[0].ModelVersion == "" {
			t.Fatalf("mine=%s", rec.Body.String())
		}
		wantStatus(t, e.do("GET", "/api/v1/me/enterprises", officer, nil), http.StatusForbidden)
		wantStatus(t, e.do("GET", "/api/v1/me/enterprises", "", nil), http.StatusUnauthorized)
		rec = e.do("GET", "/api/v1/me/enterprises", stranger, nil)
		decode(t, rec, &got)
		if len(got.Items) != 0 {
			t.Fatalf("stranger's enterprises=%s", rec.Body.String())
		}
	})
	t.Run("ErrOthersSeeNothing", func(t *testing.T) {
		staffTok := officer
		for name, tok := range map[string]string{"OtherMember": otherMember, "Stranger": stranger} {
			for _, p := range []string{"", "/benefits"} {
				rec := e.do("GET", "/api/v1/enterprises/"+uscc+p, tok, nil)
				wantError(t, rec, http.StatusForbidden, "permission_denied", "")
				if strings.Contains(rec.Body.String(), "score") || strings.Contains(rec.Body.String(), factor) {
					t.Fatalf("%s learned: %s", name, rec.Body.String())
				}
			}
		}
		wantStatus(t, e.do("GET", "/api/v1/enterprises/"+uscc, staffTok, nil), http.StatusForbidden)
		wantStatus(t, e.do("GET", "/api/v1/enterprises/"+uscc, "", nil), http.StatusUnauthorized)
		wantError(t, e.do("GET", "/api/v1/enterprises/914403001922038217", member, nil), http.StatusBadRequest, "invalid_argument", "uscc")
	})
}

func TestCreditRecords(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	valid := func() map[string]string {
		return map[string]string{"uscc": uscc, "kind": "penalty", "severity": "serious",
			"occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "case_ref": "深福罚〔2026〕7号", "note": "无证经营"}
	}
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/credit-records", officer, valid())
		wantStatus(t, rec, http.StatusCreated)
		var got struct {
			ID, Kind, Severity, ExpiresAt string
			DepartmentID                  string `json:"department_id"`
			Rating                        struct {
				Grade string
				Score int
			}
		}
		decode(t, rec, &got)
		if got.Rating.Grade != "D" || got.Rating.Score != enterprises.BaseScore-30 || got.DepartmentID != fmt.Sprint(e.dept) {
			t.Fatalf("record=%s", rec.Body.String())
		}
		pub := e.do("GET", "/api/v1/enterprises/"+uscc+"/rating", "", nil)
		if !strings.Contains(pub.Body.String(), `"grade":"D"`) {
			t.Fatalf("public after record=%s", pub.Body.String())
		}
	})
	t.Run("OKOtherDepartment", func(t *testing.T) {
		other := e.otherDepartment()
		m, err := e.staff.Create(context.Background(), nil, staff.NewMember{Username: "credit_other", Password: "password-123456",
			DepartmentID: &other, Roles: []staff.Role{staff.CreditOfficer}}, func(string) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := e.auth.Issue(context.Background(), auth.Staff, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		b := valid()
		b["kind"], b["severity"] = "honor", "minor"
		rec := e.do("POST", "/api/v1/admin/credit-records", tok, b)
		wantStatus(t, rec, http.StatusCreated)
		if !strings.Contains(rec.Body.String(), fmt.Sprintf(`"department_id":"%d"`, other)) {
			t.Fatalf("record=%s, want department %d", rec.Body.String(), other)
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		before := e.count("credit_records")
		for field, v := range map[string]string{"kind": "murder", "severity": "huge", "occurred_at": "yesterday", "expires_at": "soon", "uscc": "91440300192203821"} {
			b := valid()
			b[field] = v
			wantError(t, e.do("POST", "/api/v1/admin/credit-records", officer, b), http.StatusBadRequest, "invalid_argument", field)
		}
		b := valid()
		b["occurred_at"] = time.Now().Add(24 * time.Hour).Format(time.RFC3339)
		wantError(t, e.do("POST", "/api/v1/admin/credit-records", officer, b), http.StatusBadRequest, "invalid_argument", "occurred_at")
		b = valid()
		b["expires_at"] = time.Now().Add(5 * 365 * 24 * time.Hour).Format(time.RFC3339)
		wantError(t, e.do("POST", "/api/v1/admin/credit-records", officer, b), http.StatusBadRequest, "invalid_argument", "expires_at")
		b = valid()
		b["uscc"] = "914403001922038216"
		wantError(t, e.do("POST", "/api/v1/admin/credit-records", officer, b), http.StatusNotFound, "not_found", "")
		if got := e.count("credit_records"); got != before {
			t.Fatalf("records=%d, want %d", got, before)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		before := e.count("credit_records")
		admin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
		wantStatus(t, e.do("POST", "/api/v1/admin/credit-records", admin, valid()), http.StatusForbidden)
		scoped := e.officer("莲花街道") // the enterprise is on 华富街道: outside scope, as if missing
		wantError(t, e.do("POST", "/api/v1/admin/credit-records", scoped, valid()), http.StatusNotFound, "not_found", "")
		if got := e.count("credit_records"); got != before {
			t.Fatalf("records=%d, want %d", got, before)
		}
	})
}

func TestObjections(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	member, _ := e.resident("alice")
	stranger, _ := e.resident("bob")
	e.bind(officer, member, uscc)
	factor := e.credit(officer, uscc, "arrears", "serious")
	var id string
	t.Run("ErrBadInput", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": factor}), http.StatusBadRequest, "invalid_argument", "reason")
		wantError(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": "x", "reason": "r"}), http.StatusBadRequest, "invalid_argument", "factor_id")
		wantError(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": "999999", "reason": "r"}), http.StatusBadRequest, "invalid_argument", "factor_id")
		if n := e.count("credit_objections"); n != 0 {
			t.Fatalf("objections=%d", n)
		}
	})
	t.Run("ErrStranger", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", stranger, map[string]string{"factor_id": factor, "reason": "r"}), http.StatusForbidden, "permission_denied", "")
		if n := e.count("credit_objections"); n != 0 {
			t.Fatalf("objections=%d", n)
		}
	})
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": factor, "reason": "欠款已于上月结清"})
		wantStatus(t, rec, http.StatusCreated)
		var o struct{ ID, Status, FactorID string }
		decode(t, rec, &o)
		if o.Status != "pending" {
			t.Fatalf("objection=%s", rec.Body.String())
		}
		id = o.ID
		wantError(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": factor, "reason": "again"}), http.StatusConflict, "conflict", "")
	})
	t.Run("ErrDecideForbidden", func(t *testing.T) {
		admin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
		wantStatus(t, e.do("POST", "/api/v1/admin/objections/"+id+"/decide", admin, map[string]any{"approve": true, "reason": "已核实"}), http.StatusForbidden)
		wantError(t, e.do("POST", "/api/v1/admin/objections/"+id+"/decide", e.officer("莲花街道"), map[string]any{"approve": true, "reason": "已核实"}), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("POST", "/api/v1/admin/objections/"+id+"/decide", officer, map[string]any{"reason": "已核实"}), http.StatusBadRequest, "invalid_argument", "approve")
		wantStatus(t, e.do("POST", "/api/v1/admin/objections/"+id+"/decide", member, map[string]any{"approve": true, "reason": "已核实"}), http.StatusForbidden)
		if n := e.count("ratings"); n != 2 {
			t.Fatalf("ratings=%d, want 2 (no re-rating yet)", n)
		}
	})
	// Regression (issue 21 item 15): a decision was made with no reason
	// for the objector to read.
	t.Run("ErrDecideWithoutReason", func(t *testing.T) {
		for _, body := range []map[string]any{{"approve": true}, {"approve": false, "reason": ""}, {"approve": true, "reason": " \n\t"}, {"approve": true, "reason": strings.Repeat("理", 501)}} {
			wantError(t, e.do("POST", "/api/v1/admin/objections/"+id+"/decide", officer, body), http.StatusBadRequest, "invalid_argument", "reason")
		}
		if n := e.count("ratings"); n != 2 {
			t.Fatalf("ratings=%d, want 2 (nothing decided)", n)
		}
		var status string
		if err := e.db.Raw("SELECT status FROM credit_objections WHERE id = ?", id).Scan(&status).Error; err != nil || status != "pending" {
			t.Fatalf("status=%q err=%v, want pending", status, err)
		}
	})
	t.Run("DecideApprove", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/objections/"+id+"/decide", officer, map[string]any{"approve": true, "reason": "  经核实欠款已结清，撤销该记录。 "})
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"decision_reason":"经核实欠款已结清，撤销该记录。"`) {
			t.Fatalf("decided=%s", rec.Body.String())
		}
		// The objector reads the reason in their enterprise view; the
		// decision's notice is the fixed text and does not carry it.
		det := e.do("GET", "/api/v1/enterprises/"+uscc, member, nil)
		wantStatus(t, det, http.StatusOK)
		var d struct {
			Objections []struct{ ID, Status, DecisionReason string }
		}
		decode(t, det, &d)
		if len(d.Objections) != 1 || d.Objections[0].ID != id || d.Objections[0].Status != "approved" {
			t.Fatalf("objector's objections: %s", det.Body.String())
		}
		var dr struct {
			Objections []struct {
				DecisionReason string `json:"decision_reason"`
			} `json:"objections"`
		}
		decode(t, det, &dr)
		if dr.Objections[0].DecisionReason != "经核实欠款已结清，撤销该记录。" {
			t.Fatalf("objector's view lacks the reason: %s", det.Body.String())
		}
		var pushed int64
		if err := e.db.Raw("SELECT COUNT(*) FROM notices WHERE body LIKE ?", "%经核实%").Scan(&pushed).Error; err != nil || pushed != 0 {
			t.Fatalf("notices quoting the reason: %d (err %v), want 0", pushed, err)
		}
		if other := e.do("GET", "/api/v1/enterprises/"+uscc, stranger, nil); other.Code == http.StatusOK && strings.Contains(other.Body.String(), "经核实") {
			t.Fatalf("a stranger reads the reason: %s", other.Body.String())
		}
		if !strings.Contains(rec.Body.String(), `"status":"approved"`) || !strings.Contains(rec.Body.String(), `"grade":"B"`) {
			t.Fatalf("decided=%s", rec.Body.String())
		}
		rec = e.do("GET", "/api/v1/enterprises/"+uscc, member, nil)
		if !strings.Contains(rec.Body.String(), `"factors":[]`) {
			t.Fatalf("detail after approval=%s", rec.Body.String())
		}
		wantError(t, e.do("POST", "/api/v1/admin/objections/"+id+"/decide", officer, map[string]any{"approve": false, "reason": "再议"}), http.StatusConflict, "conflict", "")
	})
}

func TestBenefitPrograms(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	good := e.registerEnterprise(officer, 1, "软件")
	plain := e.registerEnterprise(officer, 2, "软件")
	e.credit(officer, good, "honor", "serious")
	member, _ := e.resident("alice")
	stranger, _ := e.resident("bob")
	e.bind(officer, member, good)
	program := map[string]any{"name": "研发费用补贴免申即享", "criteria": map[string]any{"min_grade": "A", "industries": []string{"软件"}}, "notice": "已为您自动办理"}
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/benefit-programs", officer, program)
		wantStatus(t, rec, http.StatusCreated)
		var got struct {
			ID       string
			Criteria enterprises.Criteria
			Matches  []enterprises.RatingRef
		}
		decode(t, rec, &got)
		if len(got.Matches) != 1 || got.Matches[0].USCC != good || got.Criteria.MinGrade != "A" {
			t.Fatalf("program=%s", rec.Body.String())
		}
		rec = e.do("GET", "/api/v1/enterprises/"+good+"/benefits", member, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), got.ID) {
			t.Fatalf("benefits=%s", rec.Body.String())
		}
		_ = plain
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		before := e.count("benefit_programs")
		wantError(t, e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{"name": "x", "criteria": map[string]any{"min_grade": "E"}}), http.StatusBadRequest, "invalid_argument", "criteria.min_grade")
		wantError(t, e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{"name": "x"}), http.StatusBadRequest, "invalid_argument", "criteria")
		wantError(t, e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{"name": "x", "criteria": map[string]any{"min_grade": "B", "streets": []string{"火星街道"}}}), http.StatusBadRequest, "invalid_argument", "criteria.streets")
		// A street-scoped officer must stay inside their streets: a reach
		// beyond them is refused (403 naming criteria.streets).
		scoped := e.officer("莲花街道")
		wantError(t, e.do("POST", "/api/v1/admin/benefit-programs", scoped, map[string]any{"name": "x", "criteria": map[string]any{"min_grade": "B"}}), http.StatusForbidden, "permission_denied", "criteria.streets")
		wantError(t, e.do("POST", "/api/v1/admin/benefit-programs", scoped, map[string]any{"name": "x", "criteria": map[string]any{"min_grade": "B", "streets": []string{"华富街道"}}}), http.StatusForbidden, "permission_denied", "criteria.streets")
		if got := e.count("benefit_programs"); got != before {
			t.Fatalf("programs=%d, want %d", got, before)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		before := e.count("benefit_programs")
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantStatus(t, e.do("POST", "/api/v1/admin/benefit-programs", editor, program), http.StatusForbidden)
		wantStatus(t, e.do("POST", "/api/v1/admin/benefit-programs", member, program), http.StatusForbidden)
		if got := e.count("benefit_programs"); got != before {
			t.Fatalf("programs=%d, want %d", got, before)
		}
		wantError(t, e.do("GET", "/api/v1/enterprises/"+good+"/benefits", stranger, nil), http.StatusForbidden, "permission_denied", "")
	})
}

func TestEnterprisesExportAndErase(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	member, memberID := e.resident("alice")
	e.bind(officer, member, uscc)
	factor := e.credit(officer, uscc, "complaint", "minor")
	wantStatus(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": factor, "reason": "联系人张三 13800000000 已处理"}), http.StatusCreated)

	rec := e.do("GET", "/api/v1/me/export", member, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), uscc) || !strings.Contains(rec.Body.String(), "13800000000") {
		t.Fatalf("export=%s, want the binding and the objection", rec.Body.String())
	}
	wantStatus(t, e.do("DELETE", "/api/v1/me", member, nil), http.StatusNoContent)
	var bindings, reasons int64
	e.db.Table("enterprise_bindings").Where("resident_id = ?", memberID).Count(&bindings)
	e.db.Table("credit_objections").Where("resident_id = ? AND reason <> ''", memberID).Count(&reasons)
	if bindings != 0 || reasons != 0 {
		t.Fatalf("after erase: bindings=%d objection reasons=%d, want 0", bindings, reasons)
	}
}

func TestRejectedBinding(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	tok, _ := e.resident("alice")
	rec := e.do("POST", "/api/v1/enterprises/bindings", tok, map[string]string{"uscc": uscc, "role": "agent"})
	wantStatus(t, rec, http.StatusCreated)
	var b enterprises.Binding
	decode(t, rec, &b)
	rec = e.do("POST", fmt.Sprintf("/api/v1/admin/enterprise-bindings/%d/decide", b.ID), officer, map[string]any{"approve": false})
	wantStatus(t, rec, http.StatusOK)
	decode(t, rec, &b)
	if b.Status != "rejected" || b.DecidedAt == nil {
		t.Fatalf("binding=%+v, want rejected", b)
	}
	wantError(t, e.do("GET", "/api/v1/enterprises/"+uscc, tok, nil), http.StatusForbidden, "permission_denied", "")
	// Asking again after a rejection is a new pending request.
	rec = e.do("POST", "/api/v1/enterprises/bindings", tok, map[string]string{"uscc": uscc, "role": "legal_rep"})
	wantStatus(t, rec, http.StatusCreated)
	decode(t, rec, &b)
	if b.Status != "pending" || b.Role != "legal_rep" || e.count("enterprise_bindings") != 1 {
		t.Fatalf("binding=%+v, want the same row pending again", b)
	}
}

func TestOfficerQueues(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	huafu := e.registerEnterprise(officer, 1, "软件")
	rec := e.do("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": code(2), "name": "莲花企业", "street": "莲花街道"})
	wantStatus(t, rec, http.StatusCreated)
	lianhua := code(2)
	alice, _ := e.resident("alice")
	bob, _ := e.resident("bob")
	for _, tok := range []string{alice, bob} {
		for _, c := range []string{huafu, lianhua} {
			wantStatus(t, e.do("POST", "/api/v1/enterprises/bindings", tok, map[string]string{"uscc": c, "role": "agent"}), http.StatusCreated)
		}
	}
	type item struct {
		ID   string `json:"id"`
		USCC string `json:"uscc"`
	}
	list := func(tok, path string) page[item] {
		t.Helper()
		rec := e.do("GET", path, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p page[item]
		decode(t, rec, &p)
		return p
	}
	t.Run("Bindings", func(t *testing.T) {
		if p := list(officer, "/api/v1/admin/enterprise-bindings"); len(p.Items) != 4 || p.NextPageToken != "" {
			t.Fatalf("all pending=%+v", p)
		}
		p := list(officer, "/api/v1/admin/enterprise-bindings?page_size=3")
		if len(p.Items) != 3 || p.NextPageToken == "" {
			t.Fatalf("first page=%+v", p)
		}
		if p2 := list(officer, "/api/v1/admin/enterprise-bindings?page_size=3&page_token="+p.NextPageToken); len(p2.Items) != 1 {
			t.Fatalf("second page=%+v", p2)
		}
		for _, it := range list(e.officer("华富街道"), "/api/v1/admin/enterprise-bindings").Items {
			if it.USCC != huafu {
				t.Fatalf("scoped officer sees %s", it.USCC)
			}
		}
		if p := list(officer, "/api/v1/admin/enterprise-bindings?status=approved"); len(p.Items) != 0 {
			t.Fatalf("approved=%+v", p)
		}
	})
	t.Run("Objections", func(t *testing.T) {
		e.bind(officer, e.mustToken("carol"), huafu)
		carol := e.mustToken("carol")
		factor := e.credit(officer, huafu, "penalty", "minor")
		wantStatus(t, e.do("POST", "/api/v1/enterprises/"+huafu+"/objections", carol, map[string]string{"factor_id": factor, "reason": "已整改"}), http.StatusCreated)
		rec := e.do("GET", "/api/v1/admin/objections", officer, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"factor":{"id":"`+factor+`"`) {
			t.Fatalf("objections=%s", rec.Body.String())
		}
		if p := list(e.officer("莲花街道"), "/api/v1/admin/objections"); len(p.Items) != 0 {
			t.Fatalf("other street sees %+v", p)
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/enterprise-bindings?status=maybe", officer, nil), http.StatusBadRequest, "invalid_argument", "status")
		wantError(t, e.do("GET", "/api/v1/admin/objections?page_size=0", officer, nil), http.StatusBadRequest, "invalid_argument", "page_size")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		admin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
		wantStatus(t, e.do("GET", "/api/v1/admin/enterprise-bindings", admin, nil), http.StatusForbidden)
		wantStatus(t, e.do("GET", "/api/v1/admin/objections", alice, nil), http.StatusForbidden)
	})
}

// mustToken logs a resident in again (same resident, new token).
func (e *env) mustToken(name string) string {
	tok, _ := e.resident(name)
	return tok
}
