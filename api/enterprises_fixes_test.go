package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// TestBenefitNoticeIsSystemText: a benefit program's members are told by a
// fixed system text naming their enterprise by its code and the program by
// reference (target), sent for the program's department; the program's
// name and free text stay in the app and never reach an inbox unreviewed.
func TestBenefitNoticeIsSystemText(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	member, _ := e.resident("alice")
	e.bind(officer, member, uscc)
	const lure = "【紧急】您的社保卡已冻结，请致电 0755-12345678 解冻"
	rec := e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{
		"name": "研发费用补贴", "criteria": map[string]any{"min_grade": "B"}, "notice": lure,
	})
	wantStatus(t, rec, http.StatusCreated)

	rec = e.do("GET", "/api/v1/notices", member, nil)
	wantStatus(t, rec, http.StatusOK)
	var inbox page[struct{ ID string }]
	decode(t, rec, &inbox)
	if len(inbox.Items) != 1 {
		t.Fatalf("inbox=%s, want one benefit notice", rec.Body.String())
	}
	var n struct {
		ID, Title, Body string
		Target          struct{ Type, ID string }
	}
	decode(t, e.do("GET", "/api/v1/notices/"+inbox.Items[0].ID, member, nil), &n)
	if strings.Contains(n.Title+n.Body, "社保卡") || strings.Contains(n.Title+n.Body, "0755") {
		t.Fatalf("staff-written text reached the inbox unreviewed: %+v", n)
	}
	// Names (typed by staff) are not quoted: the enterprise by its code, the
	// program by reference.
	if strings.Contains(n.Title+n.Body, "研发费用补贴") || strings.Contains(n.Body, "福田测试企业1有限公司") || !strings.Contains(n.Body, uscc) ||
		n.Target.Type != "enterprise_benefits" || n.Target.ID != uscc {
		t.Fatalf("notice %+v, want the enterprise by its code and the benefits as target", n)
	}
	var dept *int64
	e.db.Raw("SELECT department_id FROM notices WHERE id = ?", n.ID).Scan(&dept)
	if dept == nil || *dept != e.dept {
		t.Fatalf("notice department=%v, want %d", dept, e.dept)
	}
	// The description is what the enterprise's members read in the app.
	rec = e.do("GET", "/api/v1/enterprises/"+uscc+"/benefits", member, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"notice":"`+lure+`"`) {
		t.Fatalf("benefits=%s, want the program's description", rec.Body.String())
	}
}

// TestBenefitNoticeLongName: a program name as long as the field allows
// still gives a notice (the title is cut, the notice is sent).
func TestBenefitNoticeLongName(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	member, _ := e.resident("alice")
	e.bind(officer, member, uscc)
	name := strings.Repeat("长", 128)
	wantStatus(t, e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{"name": name, "criteria": map[string]any{"min_grade": "B"}}), http.StatusCreated)
	rec := e.do("GET", "/api/v1/notices/unread-count", member, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"count":1`) {
		t.Fatalf("unread=%s, want the benefit notice", rec.Body.String())
	}
	var pending int64
	e.db.Table("benefit_matches").Where("notified_at IS NULL").Count(&pending)
	if pending != 0 {
		t.Fatalf("%d benefit notices still pending", pending)
	}
}

// TestCreditRecordOneCaseOneRecord: a credit record is idempotent on
// (enterprise, kind, case_ref): a repeat answers 200 with the first record
// and rates nothing, a repeat with other content is 409, and nothing is
// written for either.
func TestCreditRecordOneCaseOneRecord(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	other := e.registerEnterprise(officer, 2, "软件")
	occurred := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	body := func(changes ...string) map[string]string {
		b := map[string]string{"uscc": uscc, "kind": "penalty", "severity": "general",
			"occurred_at": occurred.Format(time.RFC3339), "case_ref": "深福市监罚〔2026〕12号", "note": "超范围经营"}
		for i := 0; i+1 < len(changes); i += 2 {
			b[changes[i]] = changes[i+1]
		}
		return b
	}
	type result struct {
		ID     string
		Rating struct{ Score int }
	}
	post := func(b map[string]string, status int) result {
		t.Helper()
		rec := e.do("POST", "/api/v1/admin/credit-records", officer, b)
		wantStatus(t, rec, status)
		var r result
		decode(t, rec, &r)
		return r
	}
	first := post(body(), http.StatusCreated)
	records, ratings := e.count("credit_records"), e.count("ratings")
	t.Run("Repeat", func(t *testing.T) {
		for _, b := range []map[string]string{
			body(),
			body("case_ref", "  深福市监罚〔2026〕12号 "),
			body("uscc", strings.ToLower(uscc)),
			body("occurred_at", occurred.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)),
			body("expires_at", occurred.AddDate(1, 0, 0).Format(time.RFC3339)), // the general default
		} {
			r := post(b, http.StatusOK)
			if r.ID != first.ID || r.Rating.Score != first.Rating.Score {
				t.Fatalf("repeat=%+v, want the first record %+v", r, first)
			}
		}
		if got := e.count("credit_records"); got != records {
			t.Fatalf("records=%d, want %d", got, records)
		}
		if got := e.count("ratings"); got != ratings {
			t.Fatalf("ratings=%d, want %d: a repeat re-rated", got, ratings)
		}
	})
	t.Run("ErrOtherContent", func(t *testing.T) {
		for _, b := range []map[string]string{
			body("severity", "serious"),
			body("occurred_at", occurred.Add(-time.Hour).Format(time.RFC3339)),
			body("expires_at", occurred.AddDate(0, 8, 0).Format(time.RFC3339)),
			body("note", "另一案情"),
		} {
			wantError(t, e.do("POST", "/api/v1/admin/credit-records", officer, b), http.StatusConflict, "conflict", "")
		}
		if got := e.count("credit_records"); got != records {
			t.Fatalf("records=%d, want %d", got, records)
		}
		if got := e.count("ratings"); got != ratings {
			t.Fatalf("ratings=%d, want %d", got, ratings)
		}
	})
	t.Run("OtherCases", func(t *testing.T) {
		ids := map[string]bool{first.ID: true}
		for _, b := range []map[string]string{
			body("kind", "complaint", "severity", "minor"), // same reference, another kind
			body("uscc", other),                            // same reference, another enterprise
			body("case_ref", "深福市监罚〔2026〕13号"),
			body("case_ref", ""), // no reference: every record is a new one
			body("case_ref", ""),
		} {
			ids[post(b, http.StatusCreated).ID] = true
		}
		if len(ids) != 6 {
			t.Fatalf("records %v, want 6 distinct", ids)
		}
	})
}

// TestCreditRecordConcurrentRepeats: many requests for one case at once
// make one record, and the enterprise is rated once for it.
func TestCreditRecordConcurrentRepeats(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	ratings := e.count("ratings")
	body := map[string]string{"uscc": uscc, "kind": "arrears", "severity": "serious",
		"occurred_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano), "case_ref": "福人社欠〔2026〕5号"}
	const n = 16
	type answer struct {
		status int
		id     string
	}
	answers := make(chan answer, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			rec := e.do("POST", "/api/v1/admin/credit-records", officer, body)
			var r struct{ ID string }
			json.Unmarshal(rec.Body.Bytes(), &r)
			answers <- answer{rec.Code, r.ID}
		})
	}
	wg.Wait()
	close(answers)
	created, ids := 0, map[string]bool{}
	for a := range answers {
		switch a.status {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Fatalf("status %d", a.status)
		}
		ids[a.id] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Fatalf("created=%d ids=%v, want one record created and returned to all", created, ids)
	}
	if got := e.count("credit_records"); got != 1 {
		t.Fatalf("records=%d, want 1", got)
	}
	if got := e.count("ratings"); got != ratings+1 {
		t.Fatalf("ratings=%d, want %d: rated once for the case", got, ratings+1)
	}
	rec := e.do("GET", "/api/v1/enterprises/"+uscc+"/rating", "", nil)
	if !strings.Contains(rec.Body.String(), `"grade":"C"`) {
		t.Fatalf("rating=%s, want C (85-20 counted once; twice is D)", rec.Body.String())
	}
}

// TestImportValidatesEveryLine: every field of every line is checked
// before anything is written (invalid UTF-8, the columns' lengths, codes,
// control characters); the report names every bad line and every good one
// is saved. (On MariaDB an invalid-UTF-8 name stopped the import half way
// with a 500.)
func TestImportValidatesEveryLine(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	lines := []string{
		"uscc,name,industry,street",
		code(1) + ",深圳市甲公司,制造业,华富街道",                                                            // 2 good
		code(2) + ",\xff\xfe乙公司,制造业,华富街道",                                                       // 3 invalid UTF-8 name
		code(3) + ",深圳市丙公司,\xe5\x88,华富街道",                                                       // 4 invalid UTF-8 industry (a cut character)
		code(4) + "," + strings.Repeat("长", 129) + ",制造业,华富街道",                                  // 5 name too long
		code(5) + ",深圳市丁公司," + strings.Repeat("业", 65) + ",华富街道",                                // 6 industry too long
		code(6) + ",深圳市\x00戊公司,制造业,华富街道",                                                        // 7 control character
		"914403001922038217,坏校验位公司,制造业,华富街道",                                                    // 8 bad code
		strings.Join([]string{code(7)[:2], code(7)[2:8], code(7)[8:]}, " ") + ",深圳市己公司,软件,莲花街道", // 9 good, typed with spaces
		code(8) + ",深圳市庚公司,软件,\xff街道",                                                           // 10 invalid UTF-8 street
		code(9) + ",深圳市辛公司,软件,莲花街道",                                                             // 11 good
	}
	rec := e.do("POST", "/api/v1/admin/enterprises/import", officer, strings.Join(lines, "\n")+"\n", "Content-Type", "text/csv")
	wantStatus(t, rec, http.StatusOK)
	var got struct {
		Imported int
		Errors   []struct {
			Line    int
			Message string
		}
	}
	decode(t, rec, &got)
	var bad []int
	for _, le := range got.Errors {
		bad = append(bad, le.Line)
		if !utf8.ValidString(le.Message) || le.Message == "" {
			t.Fatalf("line %d: message %q", le.Line, le.Message)
		}
	}
	if got.Imported != 3 || fmt.Sprint(bad) != "[3 4 5 6 7 8 10]" {
		t.Fatalf("import=%s, want 3 imported and lines 3 4 5 6 7 8 10 reported", rec.Body.String())
	}
	var names []string
	e.db.Table("enterprises").Order("id").Pluck("name", &names)
	if fmt.Sprint(names) != "[深圳市甲公司 深圳市己公司 深圳市辛公司]" {
		t.Fatalf("enterprises %q, want the three good lines", names)
	}
	if n := e.count("ratings"); n != 3 {
		t.Fatalf("ratings=%d, want 3", n)
	}
}

// TestImportTooLong: a file over the line limit is refused whole.
func TestImportTooLong(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("uscc,name,industry,street\n")
	for i := range 20001 {
		fmt.Fprintf(&b, "%s,公司%d,,华富街道\n", code(i), i)
	}
	wantError(t, e.do("POST", "/api/v1/admin/enterprises/import", e.officer(), b.String(), "Content-Type", "text/csv"), http.StatusBadRequest, "invalid_argument", "file")
	if n := e.count("enterprises"); n != 0 {
		t.Fatalf("enterprises=%d, want 0", n)
	}
}

// TestEnterpriseTextFitsColumns: free text is checked against its column
// (characters, control characters) and a program's lists against the TEXT
// column holding them, so nothing reaches the database as a 500.
func TestEnterpriseTextFitsColumns(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	t.Run("ErrControlCharacter", func(t *testing.T) {
		before := e.count("enterprises")
		wantError(t, e.do("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": code(1), "name": "深圳市\u0000公司", "street": "华富街道"}), http.StatusBadRequest, "invalid_argument", "name")
		wantError(t, e.do("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": code(1), "name": "深圳市公司", "industry": strings.Repeat("业", 65), "street": "华富街道"}), http.StatusBadRequest, "invalid_argument", "industry")
		if n := e.count("enterprises"); n != before {
			t.Fatalf("enterprises=%d, want %d", n, before)
		}
	})
	t.Run("ProgramStreetsCountOnce", func(t *testing.T) {
		streets := make([]string, 6000) // 90 KB of JSON, over MySQL's TEXT
		for i := range streets {
			streets[i] = "华富街道"
		}
		rec := e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{"name": "贴息", "criteria": map[string]any{"min_grade": "B", "streets": streets}})
		wantStatus(t, rec, http.StatusCreated)
		if body := rec.Body.String(); !strings.Contains(body, `"streets":["华富街道"]`) {
			t.Fatalf("program=%.300s…, want the street once", body)
		}
	})
	t.Run("ErrProgramLists", func(t *testing.T) {
		before := e.count("benefit_programs")
		industries := make([]string, 51)
		for i := range industries {
			industries[i] = fmt.Sprint("行业", i)
		}
		for field, criteria := range map[string]map[string]any{
			"criteria.industries":    {"min_grade": "B", "industries": industries},
			"criteria.industries[0]": {"min_grade": "B", "industries": []string{strings.Repeat("业", 65)}},
			"criteria.industries[1]": {"min_grade": "B", "industries": []string{"制造业", " "}},
		} {
			wantError(t, e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{"name": "贴息", "criteria": criteria}), http.StatusBadRequest, "invalid_argument", field)
		}
		if n := e.count("benefit_programs"); n != before {
			t.Fatalf("programs=%d, want %d", n, before)
		}
	})
}

// TestCodeTypedWithSeparators: a code typed with inner spaces or hyphens
// is the same code, wherever a code is taken.
func TestCodeTypedWithSeparators(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	rec := e.do("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": "91 110000 600037341l", "name": "北京示例有限公司", "street": "华富街道"})
	wantStatus(t, rec, http.StatusCreated)
	if !strings.Contains(rec.Body.String(), `"uscc":"91110000600037341L"`) {
		t.Fatalf("created=%s, want the compact code", rec.Body.String())
	}
	wantStatus(t, e.do("GET", "/api/v1/enterprises/91-110000-600037341L/rating", "", nil), http.StatusOK)
	wantStatus(t, e.do("GET", "/api/v1/enterprises/91%20110000%20600037341L/rating", "", nil), http.StatusOK)
	wantError(t, e.do("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": "91-110000-600037341L", "name": "重复", "street": "华富街道"}), http.StatusConflict, "conflict", "")
}
