package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"image/color"
	"maps"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/staff"
)

// idorWorld is one database with objects owned by resident A (华富街道),
// department X (e.dept) and enterprises on 华富街道, and the people who must
// not reach them: resident B (莲花街道, with a pending binding to A's
// enterprise), resident N (A's neighbour on 华富街道, in the same audiences
// as A), staff of department Y with the same roles, and staff of X limited
// to another street.
type idorWorld struct {
	*env
	x, y          int64  // the owning department and another one
	a, b, n       string // resident tokens
	aID, bID, nID int64

	pointsX, pointsY, pointsXStreet string // points officers: owner, other department, X on 福田街道
	creditX, creditY, creditXStreet string // credit officers: owner, other department, X on 莲花街道
	editorX, editorY, editorXStreet string // editors: owner, other department, X on 莲花街道
	readerX, readerXStreet          string // auditors of X (ReadResidents): unscoped, on 莲花街道
	reviewerX, reviewerY            string // notice reviewers: owner, other department
	reviewerXStreet                 string // reviewer of X on 莲花街道
	adminY, adminXStreet            string // department admins: other department, X on 莲花街道

	// A's points objects.
	aTxIDs      []string // every transaction of A
	appealID    string   // A's appeal against X's deduction
	ruleID      string   // X's rule idor_rule
	rewardID    string   // X's reward
	redemption  string   // A's redemption of it
	voucherCode string
	idemKey     string // the Idempotency-Key A redeemed with

	// Enterprises: E1 (A an approved member, B pending), E2 (A pending).
	e1, e2       string // USCCs
	factorID     string // X's credit record on E1
	objectionID  string // A's objection to it
	repairID     string // A's credit repair of it, submitted (issue 29)
	courseID     string // X's repair course for penalties
	bindingID    string // A's pending binding to E2
	bBindingID   string // B's pending binding to E1
	programID    string // X's benefit program for 华富街道 (matched E1 and E2)
	quizID       string // X's quiz for 华富街道
	attemptID    string // A's open attempt at it
	declID       string // X's declaration for 华富街道, answered by A
	declQuestion string
	draftID      string // X's unpublished questionnaire for everyone
	questionID   string // X's bank question, used by the quiz

	// Notices of X: one published to A alone (ack required), one published
	// to 华富街道, a draft and a submitted one for 华富街道.
	noticeA, noticeStreet, noticeDraft, noticeSubmitted string

	req idorRequests   // 民意速办 (idor_requests_test.go)
	act idorActivities // see idor_activities_test.go
}

// noticeTitleA is the title of the notice only A received.
const noticeTitleA = "致居民甲的个人通知"

// idorStaffer creates a staff member of department dept and returns a token.
func (e *env) idorStaffer(dept int64, roles []staff.Role, streets ...string) string {
	e.t.Helper()
	m, err := e.staff.Create(context.Background(), nil, staff.NewMember{
		Username: "idor" + strconv.FormatInt(appSeq.Add(1), 10), Password: "password-123456",
		Roles: roles, Streets: streets, DepartmentID: &dept,
	}, func(string) bool { return true })
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.auth.Issue(context.Background(), auth.Staff, m.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// post sends a request that must answer status and decodes the answer into out (if not nil).
func (w *idorWorld) post(method, path, token string, body any, status int, out any, headers ...string) {
	w.t.Helper()
	rec := w.do(method, path, token, body, headers...)
	wantStatus(w.t, rec, status)
	if out != nil {
		decode(w.t, rec, out)
	}
}

func newIDORWorld(t *testing.T) *idorWorld {
	e := newEnv(t)
	w := &idorWorld{env: e}
	x, y := e.dept, e.otherDepartment()
	w.x, w.y = x, y
	defer w.setUpRequests(x, y)
	w.a, w.aID = e.residentOn("idor-a", "华富街道")
	w.b, w.bID = e.residentOn("idor-b", "莲花街道")
	w.n, w.nID = e.residentOn("idor-n", "华富街道")

	w.pointsX = e.idorStaffer(x, []staff.Role{staff.PointsOfficer})
	w.pointsY = e.idorStaffer(y, []staff.Role{staff.PointsOfficer})
	w.pointsXStreet = e.idorStaffer(x, []staff.Role{staff.PointsOfficer}, "福田街道")
	w.creditX = e.idorStaffer(x, []staff.Role{staff.CreditOfficer})
	w.creditY = e.idorStaffer(y, []staff.Role{staff.CreditOfficer})
	w.creditXStreet = e.idorStaffer(x, []staff.Role{staff.CreditOfficer}, "莲花街道")
	w.editorX = e.idorStaffer(x, []staff.Role{staff.Editor})
	w.editorY = e.idorStaffer(y, []staff.Role{staff.Editor})
	w.editorXStreet = e.idorStaffer(x, []staff.Role{staff.Editor}, "莲花街道")
	w.readerX = e.idorStaffer(x, []staff.Role{staff.Auditor})
	w.readerXStreet = e.idorStaffer(x, []staff.Role{staff.Auditor}, "莲花街道")
	w.reviewerX = e.idorStaffer(x, []staff.Role{staff.Reviewer})
	w.reviewerY = e.idorStaffer(y, []staff.Role{staff.Reviewer})
	w.reviewerXStreet = e.idorStaffer(x, []staff.Role{staff.Reviewer}, "莲花街道")
	w.adminY = e.idorStaffer(y, []staff.Role{staff.DeptAdmin})
	w.adminXStreet = e.idorStaffer(x, []staff.Role{staff.DeptAdmin}, "莲花街道")

	// Points: A earns 100, is deducted 10 by X and appeals, redeems X's reward.
	aStr := strconv.FormatInt(w.aID, 10)
	var rule idBody
	w.post("POST", "/api/v1/admin/points/rules", w.pointsX, map[string]any{"code": "idor_rule", "name": "志愿服务", "points": 50}, http.StatusCreated, &rule)
	w.ruleID = rule.ID
	for _, ext := range []string{"a-1", "a-2"} {
		w.post("POST", "/api/v1/admin/points/awards", w.pointsX, map[string]any{"resident_id": aStr, "rule_code": "idor_rule", "external_id": ext}, http.StatusCreated, nil)
	}
	var d idBody
	w.post("POST", "/api/v1/admin/points/deductions", w.pointsX, map[string]any{"resident_id": aStr, "points": 10, "case_ref": "FT-IDOR-1", "reason": "占道经营"}, http.StatusCreated, &d)
	var ap idBody
	w.post("POST", "/api/v1/points/appeals", w.a, map[string]any{"transaction_id": d.ID, "reason": "当天不在现场"}, http.StatusCreated, &ap)
	w.appealID = ap.ID
	var rw idBody
	w.post("POST", "/api/v1/admin/rewards", w.pointsX, map[string]any{"name": "公园年卡", "points": 20, "stock": 5}, http.StatusCreated, &rw)
	w.rewardID, w.idemKey = rw.ID, "idor-key-1"
	var red struct {
		Redemption struct {
			ID          string `json:"id"`
			VoucherCode string `json:"voucher_code"`
		} `json:"redemption"`
	}
	w.post("POST", "/api/v1/rewards/"+w.rewardID+"/redeem", w.a, nil, http.StatusCreated, &red, "Idempotency-Key", w.idemKey)
	w.redemption, w.voucherCode = red.Redemption.ID, red.Redemption.VoucherCode
	var txs struct{ Items []idBody }
	w.post("GET", "/api/v1/points/transactions?page_size=100", w.a, nil, http.StatusOK, &txs)
	for _, it := range txs.Items {
		w.aTxIDs = append(w.aTxIDs, it.ID)
	}
	if len(w.aTxIDs) != 4 || w.voucherCode == "" {
		t.Fatalf("A's transactions %v, voucher %q", w.aTxIDs, w.voucherCode)
	}

	// Enterprises on 华富街道: A is a member of E1 and objects to X's
	// record; A asks to join E2 (pending); B asks to join E1 (pending).
	w.e1 = e.registerEnterprise(w.creditX, 901, "软件")
	w.e2 = e.registerEnterprise(w.creditX, 902, "软件")
	e.bind(w.creditX, w.a, w.e1)
	w.factorID = e.credit(w.creditX, w.e1, "penalty", "general")
	var o idBody
	w.post("POST", "/api/v1/enterprises/"+w.e1+"/objections", w.a, map[string]string{"factor_id": w.factorID, "reason": "罚款已缴清"}, http.StatusCreated, &o)
	w.objectionID = o.ID
	// A's credit repair of X's record, submitted, and X's course (written
	// as rows: the flow itself is credit_repair_test.go's).
	now := time.Now().UTC()
	if err := e.db.Exec(`INSERT INTO credit_repair_courses (department_id, dept_key, kind, survey_id, pass_score, updated_by, created_at, updated_at)
		VALUES (?, ?, 'penalty', 1, 80, 1, ?, ?)`, w.x, w.x, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.Exec(`INSERT INTO credit_repairs (credit_record_id, enterprise_id, department_id, kind, severity, survey_id, attempt_id, score,
		pass_score, resident_id, passed_at, commitment, committed_by, committed_at, status, open_key, decision_reason, created_at, updated_at)
		SELECT c.id, c.enterprise_id, c.department_id, c.kind, c.severity, 1, 999999, 100, 80, ?, ?, 'A的承诺书', ?, ?, 'submitted', c.id, '', ?, ?
		FROM credit_records c WHERE c.id = ?`, w.aID, now, w.aID, now, now, now, w.factorID).Error; err != nil {
		t.Fatal(err)
	}
	e.db.Raw("SELECT CAST(MAX(id) AS CHAR) FROM credit_repairs").Scan(&w.repairID)
	e.db.Raw("SELECT CAST(MAX(id) AS CHAR) FROM credit_repair_courses").Scan(&w.courseID)
	var b idBody
	w.post("POST", "/api/v1/enterprises/bindings", w.a, map[string]string{"uscc": w.e2, "role": "legal_rep"}, http.StatusCreated, &b)
	w.bindingID = b.ID
	w.post("POST", "/api/v1/enterprises/bindings", w.b, map[string]string{"uscc": w.e1, "role": "agent"}, http.StatusCreated, &b)
	w.bBindingID = b.ID
	var bp idBody
	w.post("POST", "/api/v1/admin/benefit-programs", w.creditX, map[string]any{"name": "华富免申即享",
		"criteria": map[string]any{"min_grade": "D", "streets": []string{"华富街道"}}}, http.StatusCreated, &bp)
	w.programID = bp.ID

	// Surveys of X for 华富街道: a quiz A has an open attempt at, a
	// declaration A answered, and a draft for everyone.
	var qs struct{ Items []idBody }
	w.post("POST", "/api/v1/admin/questions", w.editorX, []any{
		map[string]any{"type": "single", "stem": "单选", "options": []string{"甲", "乙"}, "answer": []string{"乙"}},
		map[string]any{"type": "judge", "stem": "判断", "answer": []string{"对"}},
	}, http.StatusCreated, &qs)
	w.questionID = qs.Items[0].ID
	w.quizID = e.createPublished(w.editorX, map[string]any{"kind": "quiz", "title": "华富竞答", "questions": []string{qs.Items[0].ID, qs.Items[1].ID},
		"audience": map[string]any{"streets": []string{"华富街道"}}, "attempts_per_day": 3})
	var at struct {
		AttemptID string `json:"attempt_id"`
	}
	w.post("POST", "/api/v1/surveys/"+w.quizID+"/attempts", w.a, nil, http.StatusCreated, &at)
	w.attemptID = at.AttemptID
	w.declID = e.createPublished(w.editorX, map[string]any{"kind": "declaration", "title": "华富每日申报",
		"audience": map[string]any{"streets": []string{"华富街道"}}, "questions": []any{map[string]any{"type": "judge", "stem": "体温正常？"}}})
	var view struct{ Questions []idBody }
	w.post("GET", "/api/v1/surveys/"+w.declID, w.a, nil, http.StatusOK, &view)
	w.declQuestion = view.Questions[0].ID
	w.post("POST", "/api/v1/surveys/"+w.declID+"/responses", w.a, map[string]any{"answers": map[string]any{w.declQuestion: []string{"对"}}}, http.StatusCreated, nil)
	var draft idBody
	w.post("POST", "/api/v1/admin/surveys", w.editorX, map[string]any{"kind": "questionnaire", "title": "草稿问卷",
		"questions": []any{map[string]any{"type": "judge", "stem": "满意吗？"}}}, http.StatusCreated, &draft)
	w.draftID = draft.ID

	// Notices.
	notice := func(title string, audience map[string]any, ack bool) string {
		var n idBody
		w.post("POST", "/api/v1/admin/notices", w.editorX, map[string]any{"title": title, "body": "请查收。", "category": "policy",
			"audience": audience, "publish_at": time.Now().Add(-time.Minute).Format(time.RFC3339), "require_ack": ack}, http.StatusCreated, &n)
		return n.ID
	}
	huafu := map[string]any{"streets": []string{"华富街道"}}
	w.noticeA = notice(noticeTitleA, map[string]any{"resident_ids": []string{aStr}}, true)
	w.noticeStreet = notice("华富街道停水通知", huafu, false)
	w.noticeDraft = notice("华富街道草稿", huafu, false)
	w.noticeSubmitted = notice("华富街道待审", huafu, false)
	for _, id := range []string{w.noticeA, w.noticeStreet, w.noticeSubmitted} {
		w.post("POST", "/api/v1/admin/notices/"+id+"/submit", w.editorX, nil, http.StatusOK, nil)
	}
	for _, id := range []string{w.noticeA, w.noticeStreet} {
		w.post("POST", "/api/v1/admin/notices/"+id+"/approve", w.reviewerX, nil, http.StatusOK, nil)
	}
	if n, err := e.notify.PublishDue(context.Background()); err != nil || n != 2 {
		t.Fatalf("published %d notices (%v), want 2", n, err)
	}
	w.post("POST", "/api/v1/me/subscriptions", w.a, map[string]any{"results": map[string]string{"tmpl-idor": "accept"}}, http.StatusOK, nil)
	w.setupActivities()
	return w
}

// snapshot renders every table that holds domain data (all but the audit
// log, sessions and staff accounts) so a test can show nothing changed.
func (w *idorWorld) snapshot() string {
	w.t.Helper()
	var tables []string
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if db.DialectOf(w.db) == db.MySQL {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
	}
	if err := w.db.Raw(q).Scan(&tables).Error; err != nil {
		w.t.Fatal(err)
	}
	sort.Strings(tables)
	var sb strings.Builder
	for _, table := range tables {
		switch table {
		case "audit_log", "sessions", "staff", "goose_db_version":
			continue
		}
		var rows []map[string]any
		if err := w.db.Table(table).Find(&rows).Error; err != nil {
			w.t.Fatal(err)
		}
		lines := make([]string, len(rows))
		for i, r := range rows {
			lines[i] = fmt.Sprint(r)
		}
		sort.Strings(lines)
		fmt.Fprintf(&sb, "%s:\n%s\n", table, strings.Join(lines, "\n"))
	}
	return sb.String()
}

// unchanged runs attack and fails if it changed any domain data.
func (w *idorWorld) unchanged(t *testing.T, attack func()) {
	t.Helper()
	before := w.snapshot()
	attack()
	if after := w.snapshot(); after != before {
		t.Fatalf("the attempt changed data:\n%s", firstDiff(before, after))
	}
}

// firstDiff shows where two snapshots differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	table := ""
	for i := 0; i < len(al) || i < len(bl); i++ {
		if i < len(al) && strings.HasSuffix(al[i], ":") && !strings.HasPrefix(al[i], "map[") {
			table = al[i]
		}
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("%s\nbefore: %s\nafter:  %s", table, x, y)
		}
	}
	return ""
}

// wantDenied checks a refusal: 403 or 404, and none of secrets in the body.
func wantDenied(t *testing.T, rec *httptest.ResponseRecorder, secrets ...string) {
	t.Helper()
	if rec.Code != http.StatusForbidden && rec.Code != http.StatusNotFound {
		t.Fatalf("status=%d, want 403 or 404; body: %s", rec.Code, rec.Body.String())
	}
	wantNoLeak(t, rec, secrets...)
}

func wantNoLeak(t *testing.T, rec *httptest.ResponseRecorder, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(rec.Body.String(), s) {
			t.Fatalf("response reveals %q: %s", s, rec.Body.String())
		}
	}
}

// idorCase is how one route with a path parameter is attacked.
type idorCase struct {
	owner  string // whose object the route reaches, and who may reach it
	attack func(t *testing.T, w *idorWorld)
}

// idorCases covers every route with a path parameter, keyed as gin names
// it. A route missing here fails TestIDOR.
func idorCases() map[string]idorCase {
	const v1 = "/api/v1"
	return map[string]idorCase{
		"GET /docs/:file": {
			owner: "public: the API explorer's library code; nothing else is served from there",
			attack: func(t *testing.T, w *idorWorld) {
				for _, name := range []string{"package.json", "..%2Fopenapi.go", "index.html", "dist"} {
					wantStatus(t, w.do("GET", "/docs/"+name, "", nil), http.StatusNotFound)
				}
			},
		},
		"POST " + v1 + "/admin/jobs/:id/retry":  jobIDORCase("retry"),
		"POST " + v1 + "/admin/jobs/:id/cancel": jobIDORCase("cancel"),
		"GET " + v1 + "/enterprises/:uscc/rating": {
			owner: "public by contract: uscc, name, grade, rated_at and valid_until only",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{"", w.b} {
					rec := w.do("GET", v1+"/enterprises/"+w.e1+"/rating", tok, nil)
					wantStatus(t, rec, http.StatusOK)
					var got map[string]any
					decode(t, rec, &got)
					if len(got) != 5 || got["score"] != nil || got["factors"] != nil {
						t.Fatalf("public view %v", got)
					}
				}
			},
		},
		"POST " + v1 + "/rewards/:id/redeem": {
			owner: "X's reward, redeemed by A with an Idempotency-Key: another resident's same key must not return A's redemption",
			attack: func(t *testing.T, w *idorWorld) {
				// B holds no points: if keys were not per resident, B would get A's voucher.
				for _, tok := range []string{w.b, w.n} {
					rec := w.do("POST", v1+"/rewards/"+w.rewardID+"/redeem", tok, nil, "Idempotency-Key", w.idemKey)
					if rec.Code < 400 {
						t.Fatalf("status=%d, want a refusal; body: %s", rec.Code, rec.Body.String())
					}
					wantNoLeak(t, rec, w.voucherCode, `"id":"`+w.redemption+`"`)
				}
			},
		},
		"POST " + v1 + "/points/deductions/:id/repair": {
			owner: "A's deduction (X's): only A starts its repair",
			attack: func(t *testing.T, w *idorWorld) {
				var id string
				if err := w.db.Raw("SELECT id FROM point_transactions WHERE resident_id = ? AND kind = 'deduct' LIMIT 1", w.aID).Scan(&id).Error; err != nil || id == "" {
					t.Fatalf("A's deduction: %v", err)
				}
				for _, tok := range []string{w.b, w.n} {
					wantDenied(t, w.do("POST", v1+"/points/deductions/"+id+"/repair", tok, nil), "FT-IDOR-1")
				}
				wantDenied(t, w.do("POST", v1+"/points/deductions/"+id+"/repair", w.pointsX, nil), "FT-IDOR-1")
			},
		},
		"POST " + v1 + "/redemptions/:id/cancel": {
			owner: "A's redemption",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} {
					wantDenied(t, w.do("POST", v1+"/redemptions/"+w.redemption+"/cancel", tok, nil), w.voucherCode)
				}
			},
		},
		"GET " + v1 + "/enterprises/:uscc": {
			owner: "approved members of the enterprise (A for E1)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} { // B pending, N a stranger
					wantDenied(t, w.do("GET", v1+"/enterprises/"+w.e1, tok, nil), w.factorID, `"score"`, `"factors"`)
				}
				wantDenied(t, w.do("GET", v1+"/enterprises/"+w.e2, w.a, nil), `"score"`) // A only pending on E2
			},
		},
		"POST " + v1 + "/enterprises/:uscc/objections": {
			owner: "approved members of the enterprise (A for E1)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} {
					wantDenied(t, w.do("POST", v1+"/enterprises/"+w.e1+"/objections", tok, map[string]string{"factor_id": w.factorID, "reason": "冒名异议"}))
				}
			},
		},
		"GET " + v1 + "/enterprises/:uscc/benefits": {
			owner: "approved members of the enterprise (A for E1)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} {
					wantDenied(t, w.do("GET", v1+"/enterprises/"+w.e1+"/benefits", tok, nil))
				}
			},
		},
		"GET " + v1 + "/surveys/:id": {
			owner: "residents in the survey's audience (华富街道), once published",
			attack: func(t *testing.T, w *idorWorld) {
				for _, id := range []string{w.quizID, w.declID} {
					wantDenied(t, w.do("GET", v1+"/surveys/"+id, w.b, nil))
				}
				wantDenied(t, w.do("GET", v1+"/surveys/"+w.draftID, w.a, nil))
			},
		},
		"POST " + v1 + "/surveys/:id/attempts": {
			owner: "residents in the quiz's audience (华富街道)",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("POST", v1+"/surveys/"+w.quizID+"/attempts", w.b, nil))
				wantDenied(t, w.do("POST", v1+"/surveys/"+w.draftID+"/attempts", w.a, nil))
			},
		},
		"POST " + v1 + "/attempts/:id/submit": {
			owner: "A's attempt",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.n, w.b} { // N is in the quiz's audience too
					wantDenied(t, w.do("POST", v1+"/attempts/"+w.attemptID+"/submit", tok, map[string]any{"answers": map[string]any{}}), `"corrections"`)
				}
			},
		},
		"GET " + v1 + "/attempts/:id": {
			owner: "A's attempt",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.n, w.b} {
					wantDenied(t, w.do("GET", v1+"/attempts/"+w.attemptID, tok, nil), `"questions"`, "单选")
				}
			},
		},
		"GET " + v1 + "/enterprises/:uscc/repairs": {
			owner: "E1's members (A)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} {
					wantDenied(t, w.do("GET", v1+"/enterprises/"+w.e1+"/repairs", tok, nil), "A的承诺书")
				}
			},
		},
		"POST " + v1 + "/enterprises/:uscc/records/:id/repair": {
			owner: "E1's members (A), for E1's records",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} {
					wantDenied(t, w.do("POST", v1+"/enterprises/"+w.e1+"/records/"+w.factorID+"/repair", tok, map[string]string{"attempt_id": w.attemptID}), "A的承诺书")
				}
				wantDenied(t, w.do("POST", v1+"/enterprises/"+w.e2+"/records/"+w.factorID+"/repair", w.a, map[string]string{"attempt_id": w.attemptID}), "A的承诺书")
			},
		},
		"PUT " + v1 + "/enterprises/:uscc/records/:id/repair/commitment": {
			owner: "E1's members (A), for E1's records",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} {
					wantDenied(t, w.do("PUT", v1+"/enterprises/"+w.e1+"/records/"+w.factorID+"/repair/commitment", tok, map[string]string{"text": "改写"}), "A的承诺书")
				}
			},
		},
		"GET " + v1 + "/admin/credit-repairs/:id": {
			owner: "X's credit officers covering 华富街道",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.creditY, w.creditXStreet} {
					wantDenied(t, w.do("GET", v1+"/admin/credit-repairs/"+w.repairID, tok, nil), "A的承诺书")
				}
			},
		},
		"POST " + v1 + "/admin/credit-repairs/:id/decide": {
			owner: "X's credit officers covering 华富街道",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.creditY, w.creditXStreet} {
					wantDenied(t, w.do("POST", v1+"/admin/credit-repairs/"+w.repairID+"/decide", tok, map[string]any{"approve": false, "reason": "越权"}), "A的承诺书")
				}
			},
		},
		"DELETE " + v1 + "/admin/credit-repair-courses/:id": {
			owner: "X's credit officers and admins",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("DELETE", v1+"/admin/credit-repair-courses/"+w.courseID, w.creditY, nil))
			},
		},
		"GET " + v1 + "/enterprises/:uscc/objections": {
			owner: "the objector: A's objection to E1 (others get their own, none)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} {
					rec := w.do("GET", v1+"/enterprises/"+w.e1+"/objections", tok, nil)
					wantStatus(t, rec, http.StatusOK)
					if !emptyPage(rec.Body.String()) {
						t.Fatalf("another resident sees A's objections: %s", rec.Body.String())
					}
				}
			},
		},
		"POST " + v1 + "/surveys/:id/responses": {
			owner: "residents in the survey's audience (华富街道), once published",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("POST", v1+"/surveys/"+w.declID+"/responses", w.b, map[string]any{"answers": map[string]any{w.declQuestion: []string{"对"}}}))
				wantDenied(t, w.do("POST", v1+"/surveys/"+w.draftID+"/responses", w.a, map[string]any{"answers": map[string]any{}}))
			},
		},
		"GET " + v1 + "/admin/residents/:id": {
			owner: "staff covering the resident's street (residents belong to no department)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, id := range []int64{w.aID, w.nID} {
					wantDenied(t, w.do("GET", v1+"/admin/residents/"+strconv.FormatInt(id, 10), w.readerXStreet, nil), "华富街道", "idor-")
				}
			},
		},
		"POST " + v1 + "/admin/points/appeals/:id/decide": {
			owner: "X, the department that made the deduction, within the resident's street",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.pointsY, w.pointsXStreet} {
					wantDenied(t, w.do("POST", v1+"/admin/points/appeals/"+w.appealID+"/decide", tok, map[string]any{"approve": true}), "当天不在现场")
				}
			},
		},
		"PATCH " + v1 + "/admin/points/rules/:id": {
			owner: "X's rule: X's points officers (street scope does not limit rules)",
			attack: func(t *testing.T, w *idorWorld) {
				rec := w.do("PATCH", v1+"/admin/points/rules/"+w.ruleID, w.pointsY, map[string]any{"points": 1})
				wantError(t, rec, http.StatusNotFound, "not_found", "")
				wantNoLeak(t, rec, "idor_rule")
			},
		},
		"PATCH " + v1 + "/admin/rewards/:id": {
			owner: "X's reward: X's points officers",
			attack: func(t *testing.T, w *idorWorld) {
				rec := w.do("PATCH", v1+"/admin/rewards/"+w.rewardID, w.pointsY, map[string]any{"name": "改名"})
				wantError(t, rec, http.StatusNotFound, "not_found", "")
				wantNoLeak(t, rec, "公园年卡")
			},
		},
		"POST " + v1 + "/admin/rewards/:id/stock": {
			owner: "X's reward: X's points officers",
			attack: func(t *testing.T, w *idorWorld) {
				rec := w.do("POST", v1+"/admin/rewards/"+w.rewardID+"/stock", w.pointsY, map[string]any{"delta": -4})
				wantError(t, rec, http.StatusNotFound, "not_found", "")
				wantNoLeak(t, rec, "公园年卡", `"stock"`)
			},
		},
		"POST " + v1 + "/admin/rewards/:id/image": {
			owner: "X's reward: X's points officers",
			attack: func(t *testing.T, w *idorWorld) {
				rec := w.uploadTo(v1+"/admin/rewards/"+w.rewardID+"/image", w.pointsY, "file", solidJPEG(t, 32, 32, color.White))
				wantError(t, rec, http.StatusNotFound, "not_found", "")
				wantNoLeak(t, rec, "公园年卡")
				if n := len(w.imageFiles()); n != 0 {
					t.Fatalf("%d pictures stored", n)
				}
			},
		},
		"POST " + v1 + "/admin/rewards/:id/withdraw": {
			owner: "X's reward: X's points officers",
			attack: func(t *testing.T, w *idorWorld) {
				rec := w.do("POST", v1+"/admin/rewards/"+w.rewardID+"/withdraw", w.pointsY, nil)
				wantError(t, rec, http.StatusNotFound, "not_found", "")
				wantNoLeak(t, rec, "公园年卡")
			},
		},
		"POST " + v1 + "/admin/enterprise-bindings/:id/decide": {
			owner: "credit officers covering the enterprise's street (the enterprise registry belongs to no department)",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("POST", v1+"/admin/enterprise-bindings/"+w.bindingID+"/decide", w.creditXStreet, map[string]any{"approve": true}), w.e2)
			},
		},
		"POST " + v1 + "/admin/objections/:id/decide": {
			owner: "X, the department that wrote the disputed record, within the enterprise's street",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.creditY, w.creditXStreet} {
					wantDenied(t, w.do("POST", v1+"/admin/objections/"+w.objectionID+"/decide", tok, map[string]any{"approve": true, "reason": "已核实"}), "罚款已缴清")
				}
			},
		},
		"GET " + v1 + "/admin/enterprises/:uscc": {
			owner: "staff managing enterprises who cover the enterprise's street (the registry belongs to no department)",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("GET", v1+"/admin/enterprises/"+w.e1, w.creditXStreet, nil), "罚款已缴清", w.factorID)
				for _, tok := range []string{w.a, w.editorX} {
					wantDenied(t, w.do("GET", v1+"/admin/enterprises/"+w.e1, tok, nil), "罚款已缴清", w.factorID)
				}
			},
		},
		"GET " + v1 + "/admin/benefit-programs/:id/matches": {
			owner: "X, the program's department; street-scoped staff see their streets' matches only",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("GET", v1+"/admin/benefit-programs/"+w.programID+"/matches", w.creditY, nil), w.e1)
				rec := w.do("GET", v1+"/admin/benefit-programs/"+w.programID+"/matches", w.creditXStreet, nil)
				wantStatus(t, rec, http.StatusOK)
				if !emptyPage(rec.Body.String()) {
					t.Fatalf("莲花 officer sees %s", rec.Body.String())
				}
			},
		},
		"POST " + v1 + "/admin/benefit-programs/:id/end": {
			owner: "X, the program's department, reaching its criteria's streets",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("POST", v1+"/admin/benefit-programs/"+w.programID+"/end", w.creditY, nil))
				wantError(t, w.do("POST", v1+"/admin/benefit-programs/"+w.programID+"/end", w.creditXStreet, nil), http.StatusForbidden, "permission_denied", "criteria.streets")
			},
		},
		"GET " + v1 + "/notices/:id": {
			owner: "the notice's recipients (A alone for noticeA, 华富街道 for noticeStreet), once published",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} {
					wantDenied(t, w.do("GET", v1+"/notices/"+w.noticeA, tok, nil), noticeTitleA)
				}
				wantDenied(t, w.do("GET", v1+"/notices/"+w.noticeStreet, w.b, nil), "停水")
				for _, id := range []string{w.noticeDraft, w.noticeSubmitted} {
					wantDenied(t, w.do("GET", v1+"/notices/"+id, w.a, nil), "华富街道")
				}
			},
		},
		"POST " + v1 + "/notices/:id/ack": {
			owner: "the notice's recipients (A alone for noticeA)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} {
					wantDenied(t, w.do("POST", v1+"/notices/"+w.noticeA+"/ack", tok, nil), noticeTitleA)
				}
			},
		},
		"GET " + v1 + "/admin/notices/:id": {
			owner: "X, the notice's department",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.reviewerY} {
					wantDenied(t, w.do("GET", v1+"/admin/notices/"+w.noticeA, tok, nil), noticeTitleA)
				}
			},
		},
		"GET " + v1 + "/admin/notices/:id/stats": {
			owner: "X, the notice's department",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.reviewerY} {
					wantDenied(t, w.do("GET", v1+"/admin/notices/"+w.noticeA+"/stats", tok, nil), "华富街道")
				}
			},
		},
		"PATCH " + v1 + "/admin/notices/:id": {
			owner: "X, the notice's department, within the audience's streets",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet} {
					wantDenied(t, w.do("PATCH", v1+"/admin/notices/"+w.noticeDraft, tok, map[string]any{"title": "改标题"}), "草稿")
				}
			},
		},
		"POST " + v1 + "/admin/notices/:id/submit": {
			owner: "X, the notice's department, within the audience's streets",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet} {
					wantDenied(t, w.do("POST", v1+"/admin/notices/"+w.noticeDraft+"/submit", tok, nil), "草稿")
				}
			},
		},
		"POST " + v1 + "/admin/notices/:id/approve": {
			owner: "X's reviewers, within the audience's streets",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.reviewerY, w.reviewerXStreet} {
					wantDenied(t, w.do("POST", v1+"/admin/notices/"+w.noticeSubmitted+"/approve", tok, nil), "待审")
				}
			},
		},
		"POST " + v1 + "/admin/notices/:id/reject": {
			owner: "X's reviewers, within the audience's streets",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.reviewerY, w.reviewerXStreet} {
					wantDenied(t, w.do("POST", v1+"/admin/notices/"+w.noticeSubmitted+"/reject", tok, map[string]any{"reason": "不行"}), "待审")
				}
			},
		},
		"POST " + v1 + "/admin/notices/:id/withdraw": {
			owner: "X, the notice's department, within the audience's streets",
			attack: func(t *testing.T, w *idorWorld) {
				for _, id := range []string{w.noticeA, w.noticeStreet} {
					for _, tok := range []string{w.editorY, w.editorXStreet} {
						wantDenied(t, w.do("POST", v1+"/admin/notices/"+id+"/withdraw", tok, map[string]any{"reason": "撤回"}), noticeTitleA, "停水")
					}
				}
			},
		},
		"POST " + v1 + "/admin/surveys/:id/publish": {
			owner: "X, the survey's department",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("POST", v1+"/admin/surveys/"+w.draftID+"/publish", w.editorY, nil), "满意吗")
			},
		},
		"GET " + v1 + "/admin/surveys/:id/stats": {
			owner: "X, the survey's department",
			attack: func(t *testing.T, w *idorWorld) {
				for _, id := range []string{w.quizID, w.declID} {
					wantDenied(t, w.do("GET", v1+"/admin/surveys/"+id+"/stats", w.editorY, nil), "华富街道")
				}
			},
		},
		"GET " + v1 + "/admin/surveys/:id/responses": {
			owner: "X, the survey's department; street-scoped staff get their streets' rows only",
			attack: func(t *testing.T, w *idorWorld) {
				for _, id := range []string{w.quizID, w.declID} {
					wantDenied(t, w.do("GET", v1+"/admin/surveys/"+id+"/responses", w.editorY, nil), "华富街道")
				}
				rec := w.do("GET", v1+"/admin/surveys/"+w.declID+"/responses", w.editorXStreet, nil)
				wantStatus(t, rec, http.StatusOK)
				rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
				if err != nil || len(rows) != 1 {
					t.Fatalf("莲花 editor's export %q (%v), want the header only", rows, err)
				}
			},
		},
		"GET " + v1 + "/admin/surveys/:id/missing": {
			owner: "X, the survey's department; street-scoped staff see their streets' residents only",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("GET", v1+"/admin/surveys/"+w.declID+"/missing", w.editorY, nil), "华富街道")
				rec := w.do("GET", v1+"/admin/surveys/"+w.declID+"/missing", w.editorXStreet, nil)
				wantStatus(t, rec, http.StatusOK)
				if !emptyPage(rec.Body.String()) {
					t.Fatalf("莲花 editor sees %s", rec.Body.String())
				}
			},
		},
		"GET " + v1 + "/admin/surveys/:id": {
			owner: "X, the survey's department, reaching one of the caller's streets",
			attack: func(t *testing.T, w *idorWorld) {
				for _, id := range []string{w.quizID, w.declID, w.draftID} {
					wantDenied(t, w.do("GET", v1+"/admin/surveys/"+id, w.editorY, nil), "华富", "满意吗")
				}
				for _, id := range []string{w.quizID, w.declID} { // for 华富街道 only
					wantDenied(t, w.do("GET", v1+"/admin/surveys/"+id, w.editorXStreet, nil), "华富")
				}
			},
		},
		"PATCH " + v1 + "/admin/surveys/:id": {
			owner: "X, the survey's department, within the audience's streets",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet} {
					wantDenied(t, w.do("PATCH", v1+"/admin/surveys/"+w.draftID, tok, map[string]any{"title": "改标题"}), "满意吗")
				}
			},
		},
		"POST " + v1 + "/admin/surveys/:id/close": {
			owner: "X, the survey's department, within the audience's streets",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.editorY, w.editorXStreet} {
					wantDenied(t, w.do("POST", v1+"/admin/surveys/"+w.declID+"/close", tok, nil), "华富")
				}
			},
		},
		"PATCH " + v1 + "/admin/questions/:id": {
			owner: "X, the question's department",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("PATCH", v1+"/admin/questions/"+w.questionID, w.editorY,
					map[string]any{"type": "judge", "stem": "改", "answer": []string{"对"}}), "单选")
			},
		},
		"POST " + v1 + "/admin/questions/:id/retire": {
			owner: "X, the question's department",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("POST", v1+"/admin/questions/"+w.questionID+"/retire", w.editorY, nil), "单选")
			},
		},
		"PATCH " + v1 + "/admin/staff/:id":               {owner: staffOwner, attack: staffAttack("PATCH", "", map[string]any{"roles": []string{"reviewer"}})},
		"POST " + v1 + "/admin/staff/:id/disable":        {owner: staffOwner, attack: staffAttack("POST", "/disable", nil)},
		"POST " + v1 + "/admin/staff/:id/enable":         {owner: staffOwner, attack: staffAttack("POST", "/enable", nil)},
		"POST " + v1 + "/admin/staff/:id/reset-password": {owner: staffOwner, attack: staffAttack("POST", "/reset-password", nil)},
		"POST " + v1 + "/admin/surveys/:id/remind": {
			owner: "X, the survey's department; street-scoped staff remind their streets' residents only",
			attack: func(t *testing.T, w *idorWorld) {
				wantDenied(t, w.do("POST", v1+"/admin/surveys/"+w.declID+"/remind", w.editorY, nil))
				rec := w.do("POST", v1+"/admin/surveys/"+w.declID+"/remind", w.editorXStreet, nil)
				wantStatus(t, rec, http.StatusOK)
				if !strings.Contains(rec.Body.String(), `"reminded":0`) {
					t.Fatalf("莲花 editor reminded %s", rec.Body.String())
				}
			},
		},
	}
}

const staffOwner = "X's members (editor X): superadmins and X's department admins whose streets cover theirs"

// staffAttack manages X's unscoped editor as another department's admin
// and as X's admin limited to 莲花街道: 404, and the editor unchanged (the
// world's snapshot leaves staff accounts out, so it is compared here).
func staffAttack(method, suffix string, body any) func(t *testing.T, w *idorWorld) {
	return func(t *testing.T, w *idorWorld) {
		p, err := w.auth.Verify(context.Background(), w.editorX)
		if err != nil {
			t.Fatal(err)
		}
		before := w.snapshotStaff()
		for _, tok := range []string{w.adminY, w.adminXStreet} {
			wantDenied(t, w.do(method, "/api/v1/admin/staff/"+strconv.FormatInt(p.SubjectID, 10)+suffix, tok, body))
		}
		if w.snapshotStaff() != before {
			t.Fatal("a refused action changed staff")
		}
		wantStatus(t, w.do("GET", "/api/v1/admin/me", w.editorX, nil), http.StatusOK)
	}
}

// TestIDOR tries every route with a path parameter on an object someone
// else owns, as a resident or as staff of the right role but another
// department or street, and checks the refusal and that nothing changed.
// Lists that could leak are checked too.
func TestIDOR(t *testing.T) {
	w := newIDORWorld(t)
	cases := idorCases()
	maps.Copy(cases, idorRequestCases())
	maps.Copy(cases, idorIssue25Cases())
	maps.Copy(cases, idorActivityCases())
	seen := map[string]bool{}
	for _, r := range w.srv.Routes() {
		if !strings.ContainsAny(r.Path, ":*") {
			continue
		}
		key := r.Method + " " + r.Path
		seen[key] = true
		c, ok := cases[key]
		if !ok {
			t.Errorf("%s has a path parameter but no IDOR case: add one to idorCases", key)
			continue
		}
		t.Run(key, func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("who may: %s", c.owner)
				}
			}()
			w.unchanged(t, func() { c.attack(t, w) })
		})
	}
	for key := range cases {
		if !seen[key] {
			t.Errorf("IDOR case for %s, which is not a route (renamed?)", key)
		}
	}

	t.Run("Lists", func(t *testing.T) {
		w.unchanged(t, func() { idorLists(t, w) })
	})
	// The objects were real: their owners reach them.
	t.Run("OwnersReach", func(t *testing.T) {
		const v1 = "/api/v1"
		wantStatus(t, w.do("GET", v1+"/enterprises/"+w.e1, w.a, nil), http.StatusOK)
		wantStatus(t, w.do("GET", v1+"/enterprises/"+w.e1+"/benefits", w.a, nil), http.StatusOK)
		wantStatus(t, w.do("GET", v1+"/surveys/"+w.quizID, w.a, nil), http.StatusOK)
		wantStatus(t, w.do("GET", v1+"/admin/residents/"+strconv.FormatInt(w.aID, 10), w.readerX, nil), http.StatusOK)
		wantStatus(t, w.do("GET", v1+"/admin/surveys/"+w.declID+"/stats", w.editorX, nil), http.StatusOK)
		rec := w.do("GET", v1+"/admin/surveys/"+w.declID+"/missing", w.editorX, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"resident_id":"`+strconv.FormatInt(w.nID, 10)+`"`) {
			t.Fatalf("missing %s, want N", rec.Body.String())
		}
		wantStatus(t, w.do("POST", v1+"/admin/points/appeals/"+w.appealID+"/decide", w.pointsX, map[string]any{"approve": false}), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/admin/enterprise-bindings/"+w.bindingID+"/decide", w.creditX, map[string]any{"approve": false}), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/admin/objections/"+w.objectionID+"/decide", w.creditX, map[string]any{"approve": false, "reason": "已核实"}), http.StatusOK)
		wantStatus(t, w.do("GET", v1+"/admin/enterprises/"+w.e1, w.creditY, nil), http.StatusOK)
		rec = w.do("GET", v1+"/admin/benefit-programs/"+w.programID+"/matches", w.creditX, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), w.e1) || !strings.Contains(rec.Body.String(), w.e2) {
			t.Fatalf("X's matches %s, want E1 and E2", rec.Body.String())
		}
		wantStatus(t, w.do("POST", v1+"/admin/benefit-programs/"+w.programID+"/end", w.creditX, nil), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/admin/surveys/"+w.draftID+"/publish", w.editorX, nil), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/attempts/"+w.attemptID+"/submit", w.a, map[string]any{"answers": map[string]any{}}), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/redemptions/"+w.redemption+"/cancel", w.a, nil), http.StatusOK)
		wantStatus(t, w.do("PATCH", v1+"/admin/points/rules/"+w.ruleID, w.pointsX, map[string]any{"points": 40}), http.StatusOK)
		wantStatus(t, w.do("PATCH", v1+"/admin/rewards/"+w.rewardID, w.pointsX, map[string]any{"name": "公园年卡（新）"}), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/admin/rewards/"+w.rewardID+"/stock", w.pointsX, map[string]any{"delta": -1}), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/admin/rewards/"+w.rewardID+"/withdraw", w.pointsX, nil), http.StatusOK)
		wantStatus(t, w.do("GET", v1+"/admin/notices/"+w.noticeA, w.editorX, nil), http.StatusOK)
		wantStatus(t, w.do("GET", v1+"/admin/notices/"+w.noticeA+"/stats", w.editorX, nil), http.StatusOK)
		wantStatus(t, w.do("GET", v1+"/notices/"+w.noticeA, w.a, nil), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/notices/"+w.noticeA+"/ack", w.a, nil), http.StatusOK)
		wantStatus(t, w.do("GET", v1+"/notices/"+w.noticeStreet, w.n, nil), http.StatusOK)
		wantStatus(t, w.do("PATCH", v1+"/admin/notices/"+w.noticeDraft, w.editorX, map[string]any{"require_ack": true}), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/admin/notices/"+w.noticeDraft+"/submit", w.editorX, nil), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/admin/notices/"+w.noticeSubmitted+"/reject", w.reviewerX, map[string]any{"reason": "请补充时间"}), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/admin/notices/"+w.noticeDraft+"/approve", w.reviewerX, nil), http.StatusOK)
		wantStatus(t, w.do("POST", v1+"/admin/notices/"+w.noticeStreet+"/withdraw", w.editorX, map[string]any{"reason": "已恢复供水"}), http.StatusOK)
	})
}

// idorLists checks that lists show B and N none of A's items, and staff of
// another department or street none of X's or 华富街道's.
func idorLists(t *testing.T, w *idorWorld) {
	const v1 = "/api/v1"
	aSecrets := []string{w.voucherCode, "当天不在现场", "罚款已缴清", "占道经营", w.e2} // (B asked to join E1 herself)
	for _, tok := range []string{w.b, w.n} {
		for _, p := range []string{"/points/transactions", "/points/appeals", "/redemptions", "/me/enterprises", "/me/objections"} {
			rec := w.do("GET", v1+p, tok, nil)
			wantStatus(t, rec, http.StatusOK)
			want := `{"items":[],"next_page_token":""}`
			if p == "/me/enterprises" && tok == w.b { // B's own pending binding to E1, without its score
				want = `"score":null,`
				wantNoLeak(t, rec, `"status":"approved"`, `"status":"rejected"`)
				wantNoLeak(t, rec, aSecrets...)
			}
			if !strings.Contains(rec.Body.String(), want) {
				t.Fatalf("GET %s shows another resident %s", p, rec.Body.String())
			}
		}
		rec := w.do("GET", v1+"/points/account", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"balance":0,`) {
			t.Fatalf("account %s", rec.Body.String())
		}
		rec = w.do("GET", v1+"/me/export", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		for _, s := range aSecrets {
			if strings.Contains(rec.Body.String(), `"`+s+`"`) {
				t.Fatalf("export reveals A's %q: %s", s, rec.Body.String())
			}
		}
	}
	for _, tok := range []string{w.b, w.n} {
		rec := w.do("GET", v1+"/me/subscriptions", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), "tmpl-idor") {
			t.Fatalf("another resident's subscriptions: %s", rec.Body.String())
		}
		rec = w.do("GET", v1+"/notices", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		wantNoLeak(t, rec, noticeTitleA)
	}
	// Notices: B (莲花) has none; N has 华富's but not A's own; B's unread count is 0.
	rec := w.do("GET", v1+"/notices", w.b, nil)
	wantStatus(t, rec, http.StatusOK)
	if !emptyPage(rec.Body.String()) {
		t.Fatalf("B's inbox %s", rec.Body.String())
	}
	rec = w.do("GET", v1+"/notices", w.n, nil)
	if !strings.Contains(rec.Body.String(), `"id":"`+w.noticeStreet+`"`) || strings.Contains(rec.Body.String(), `"id":"`+w.noticeA+`"`) {
		t.Fatalf("N's inbox %s", rec.Body.String())
	}
	rec = w.do("GET", v1+"/notices/unread-count", w.b, nil)
	if rec.Body.String() != `{"count":0}` {
		t.Fatalf("B's unread count %s", rec.Body.String())
	}
	// Another department's points officers, and X's on another street, list
	// none of X's deductions, appeals or rewards (nor Y's rules X's).
	for _, tok := range []string{w.pointsY, w.pointsXStreet} {
		for _, p := range []string{"/admin/points/deductions", "/admin/points/appeals"} {
			rec := w.do("GET", v1+p, tok, nil)
			wantStatus(t, rec, http.StatusOK)
			if !emptyPage(rec.Body.String()) {
				t.Fatalf("GET %s shows %s", p, rec.Body.String())
			}
		}
	}
	for _, p := range []string{"/admin/rewards", "/admin/points/rules"} {
		rec := w.do("GET", v1+p, w.pointsY, nil)
		wantStatus(t, rec, http.StatusOK)
		wantNoLeak(t, rec, "公园年卡", "idor_rule")
	}
	// Another department's console lists none of X's notices.
	for _, tok := range []string{w.editorY, w.reviewerY} {
		rec := w.do("GET", v1+"/admin/notices", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		if !emptyPage(rec.Body.String()) {
			t.Fatalf("Y's notices: %s", rec.Body.String())
		}
	}
	// Surveys: B (莲花) sees none of 华富's; N sees them, but not A's participation.
	rec = w.do("GET", v1+"/surveys", w.b, nil)
	wantStatus(t, rec, http.StatusOK)
	if !emptyPage(rec.Body.String()) {
		t.Fatalf("B's surveys %s", rec.Body.String())
	}
	rec = w.do("GET", v1+"/surveys", w.n, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"id":"`+w.declID+`"`) || strings.Contains(rec.Body.String(), `"taken_part_today":true`) {
		t.Fatalf("N's surveys %s", rec.Body.String())
	}
	// Officers' queues: another street's officer sees none of 华富's bindings or objections.
	for _, p := range []string{"/admin/enterprise-bindings", "/admin/objections"} {
		rec := w.do("GET", v1+p, w.creditXStreet, nil)
		wantStatus(t, rec, http.StatusOK)
		if !emptyPage(rec.Body.String()) {
			t.Fatalf("莲花 officer's %s: %s", p, rec.Body.String())
		}
	}
	// Another department's credit officer does not see objections to X's records.
	rec = w.do("GET", v1+"/admin/objections", w.creditY, nil)
	wantStatus(t, rec, http.StatusOK)
	if !emptyPage(rec.Body.String()) {
		t.Fatalf("Y officer's objections: %s", rec.Body.String())
	}
	// The registry, credit records and programs: another street's officer
	// finds none of 华富's enterprises or records; another department's
	// officer none of X's records or programs.
	for _, c := range []struct{ tok, path string }{
		{w.creditXStreet, "/admin/enterprises"}, {w.creditXStreet, "/admin/enterprises?q=" + w.e1[:10]},
		{w.creditXStreet, "/admin/credit-records"}, {w.creditY, "/admin/credit-records"},
		{w.creditY, "/admin/credit-records?uscc=" + w.e1}, {w.creditY, "/admin/benefit-programs"},
	} {
		rec := w.do("GET", v1+c.path, c.tok, nil)
		wantStatus(t, rec, http.StatusOK)
		// A list that counts says 0 too (its total counts in the same scope).
		if !emptyPage(rec.Body.String()) {
			t.Fatalf("GET %s: %s", c.path, rec.Body.String())
		}
	}
}

// jobIDORCase: a job of the district's queue is retried or cancelled by a
// superadmin only: a department's auditor (who reads nothing of it), a
// department admin and a resident are refused (the harness checks that
// nothing changed).
func jobIDORCase(verb string) idorCase {
	return idorCase{
		owner: "the district's job queue: superadmin only (jobs.manage)",
		attack: func(t *testing.T, w *idorWorld) {
			// Any job of the world's (its requests' settle jobs); the harness
			// checks that nothing changed.
			var j jobs.Job
			if err := w.db.Order("id").Take(&j).Error; err != nil {
				t.Fatal(err)
			}
			for _, tok := range []string{w.readerX, w.adminY, w.a} {
				rec := w.do("POST", "/api/v1/admin/jobs/"+strconv.FormatInt(j.ID, 10)+"/"+verb, tok, nil)
				if rec.Code != http.StatusForbidden {
					t.Fatalf("%s of a job by an outsider: %d %s", verb, rec.Code, rec.Body.String())
				}
			}
		},
	}
}
