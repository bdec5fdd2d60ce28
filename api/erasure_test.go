package api

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// TestDeleteMeLeavesNoPersonalDataInTheFile: a resident writes distinctive
// personal data into every module that keeps any, deletes the account, the
// database checkpoints, and none of it is left in the bytes of the SQLite
// file or its WAL (issue #12: objection text, nickname and openid were).
// On MySQL InnoDB keeps old row versions until purge (see the README).
func TestDeleteMeLeavesNoPersonalDataInTheFile(t *testing.T) {
	const mark = "Qx7Zr"
	e := newEnvDeps(t, dbtest.Open(t), func(d *app.Deps) { d.PolicyVersion = consentVersion(mark) }, func(*Config) {})
	if db.DialectOf(e.db) != db.SQLite {
		t.Skip("reads the SQLite file")
	}
	secrets := personalDataEverywhere(t, e, mark)
	// Before the deletion the data is in the files: the test can see it.
	if found := inFiles(t, e, secrets); len(found) != len(secrets)-1 {
		t.Fatalf("before deletion only %q of %q found in the files", found, secrets)
	}
	wantStatus(t, e.do("DELETE", "/api/v1/me", secrets["token"], nil), http.StatusNoContent)
	if err := e.db.Exec("PRAGMA wal_checkpoint").Error; err != nil {
		t.Fatal(err)
	}
	if found := inFiles(t, e, secrets); len(found) > 0 {
		t.Fatalf("after DELETE /me the database files still hold %q", found)
	}
}

// consentVersion is the distinctive privacy policy version the env of
// personalDataEverywhere is built with, to find the consent in the files.
func consentVersion(mark string) string { return "consent-" + mark }

// personalDataEverywhere makes a resident and has them leave personal data
// in every module; it returns the pieces to look for by name (and the
// resident's token as "token", which is not looked for). e's policy
// version must be consentVersion(mark).
func personalDataEverywhere(t *testing.T, e *env, mark string) map[string]string {
	t.Helper()
	s := map[string]string{
		"openid":         "mock_erasure-" + mark,
		"nickname":       "昵称" + mark,
		"avatar_url":     "https://img.example.com/" + mark + "-avatar.png",
		"phone_masked":   "139****7788",
		"consent":        consentVersion(mark),
		"appeal":         "申诉" + mark + "：当天在外地出差",
		"objection":      "异议" + mark + " 经办人身份证 440304199001011234 电话 13800138000",
		"id_card":        "440304199001011234",
		"survey_text":    "问卷" + mark + "：家住华富村 5 栋",
		"objection_mark": "异议" + mark,
	}
	token, rid := e.resident("erasure-" + mark)
	ridStr := strconv.FormatInt(rid, 10)
	wantStatus(t, e.do("PATCH", "/api/v1/me", token, map[string]any{"nickname": s["nickname"], "avatar_url": s["avatar_url"], "street": "华富街道"}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/me/phone", token, map[string]string{"code": "mock-phone:13912347788"}), http.StatusOK)
	if v := e.residents.PolicyVersion(); v != s["consent"] {
		t.Fatalf("the env's policy version is %q, want %q", v, s["consent"])
	}
	wantStatus(t, e.do("POST", "/api/v1/me/consent", token, map[string]string{"version": s["consent"]}), http.StatusOK)

	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": "volunteer", "name": "志愿服务", "points": 50}), http.StatusCreated)
	wantStatus(t, e.do("POST", "/api/v1/admin/points/awards", officer, map[string]any{"resident_id": ridStr, "rule_code": "volunteer", "external_id": "erasure-1"}), http.StatusCreated)
	rec := e.do("POST", "/api/v1/admin/points/deductions", officer, map[string]any{"resident_id": ridStr, "points": 5, "case_ref": "FT-2026-009", "reason": "占道经营"})
	wantStatus(t, rec, http.StatusCreated)
	var deduction struct{ ID string }
	decode(t, rec, &deduction)
	wantStatus(t, e.do("POST", "/api/v1/points/appeals", token, map[string]any{"transaction_id": deduction.ID, "reason": s["appeal"]}), http.StatusCreated)

	credit := e.officer()
	uscc := e.registerEnterprise(credit, 77, "软件")
	e.bind(credit, token, uscc)
	factor := e.credit(credit, uscc, "arrears", "general")
	wantStatus(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", token, map[string]string{"factor_id": factor, "reason": s["objection"]}), http.StatusCreated)

	editor, _ := e.staffer([]staff.Role{staff.Editor})
	sid := e.createPublished(editor, map[string]any{"kind": "questionnaire", "title": "社区意见征集",
		"audience":  map[string]any{"streets": []string{"华富街道"}},
		"questions": []any{map[string]any{"type": "text", "stem": "您的建议"}}})
	rec = e.do("GET", "/api/v1/surveys/"+sid, token, nil)
	wantStatus(t, rec, http.StatusOK)
	var view struct{ Questions []struct{ ID string } }
	decode(t, rec, &view)
	wantStatus(t, e.do("POST", "/api/v1/surveys/"+sid+"/responses", token, map[string]any{"answers": map[string]any{view.Questions[0].ID: []string{s["survey_text"]}}}), http.StatusCreated)
	if _, err := e.notify.SaveSubscriptions(context.Background(), rid, map[string]string{"TPL_" + mark: "accept"}); err != nil {
		t.Fatal(err)
	}
	s["token"] = token
	return s
}

// inFiles returns the names of the secrets found in the bytes of the
// SQLite database file or its WAL.
func inFiles(t *testing.T, e *env, secrets map[string]string) []string {
	t.Helper()
	var rows []struct {
		Seq  int
		Name string
		File string
	}
	if err := e.db.Raw("PRAGMA database_list").Scan(&rows).Error; err != nil || len(rows) == 0 || rows[0].File == "" {
		t.Fatalf("database_list: %v %v", rows, err)
	}
	var data []byte
	for _, path := range []string{rows[0].File, rows[0].File + "-wal"} {
		b, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		data = append(data, b...)
	}
	var found []string
	for name, v := range secrets {
		if name != "token" && bytes.Contains(data, []byte(v)) {
			found = append(found, name)
		}
	}
	return found
}

// TestDeleteMeCancelsVouchersAndConsents: a deleted resident's unused
// vouchers are cancelled (their stock returns, a verifier can no longer
// accept them), used ones stay used, and the consent records go.
func TestDeleteMeCancelsVouchersAndConsents(t *testing.T) {
	e := newEnv(t)
	token, rid := e.resident("voucher-holder")
	other, _ := e.resident("voucher-keeper")
	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	verifier, _ := e.staffer([]staff.Role{staff.Verifier})
	wantStatus(t, e.do("POST", "/api/v1/me/consent", token, map[string]string{"version": residents.DefaultPolicyVersion}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/me/consent", other, map[string]string{"version": residents.DefaultPolicyVersion}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": "volunteer", "name": "志愿服务", "points": 50}), http.StatusCreated)
	_, oid := e.resident("voucher-keeper")
	for i, id := range []int64{rid, oid} {
		wantStatus(t, e.do("POST", "/api/v1/admin/points/awards", officer, map[string]any{
			"resident_id": strconv.FormatInt(id, 10), "rule_code": "volunteer", "external_id": "v" + strconv.Itoa(i)}), http.StatusCreated)
	}
	type reward struct{ ID string }
	var unused, used reward
	for _, r := range []*reward{&unused, &used} {
		rec := e.do("POST", "/api/v1/admin/rewards", officer, map[string]any{"name": "公园年卡", "points": 10, "stock": 3})
		wantStatus(t, rec, http.StatusCreated)
		decode(t, rec, r)
	}
	redeem := func(tok, rewardID string) string {
		t.Helper()
		rec := e.do("POST", "/api/v1/rewards/"+rewardID+"/redeem", tok, nil)
		wantStatus(t, rec, http.StatusCreated)
		var out struct {
			Redemption struct {
				VoucherCode string `json:"voucher_code"`
			}
		}
		decode(t, rec, &out)
		return out.Redemption.VoucherCode
	}
	unusedCode := redeem(token, unused.ID)
	usedCode := redeem(token, used.ID)
	othersCode := redeem(other, unused.ID)
	wantStatus(t, e.do("POST", "/api/v1/admin/redemptions/verify", verifier, map[string]string{"voucher_code": usedCode}), http.StatusOK)

	wantStatus(t, e.do("DELETE", "/api/v1/me", token, nil), http.StatusNoContent)

	stock := func(id string) (n int) {
		t.Helper()
		if err := e.db.Raw("SELECT stock FROM rewards WHERE id = ?", id).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got, want := stock(unused.ID), 2; got != want { // one back from the deleted resident, one still the other's
		t.Fatalf("stock of the unused voucher's reward=%d, want %d", got, want)
	}
	if got, want := stock(used.ID), 2; got != want {
		t.Fatalf("stock of the used voucher's reward=%d, want %d", got, want)
	}
	wantError(t, e.do("POST", "/api/v1/admin/redemptions/verify", verifier, map[string]string{"voucher_code": unusedCode}), http.StatusConflict, "conflict", "")
	wantStatus(t, e.do("POST", "/api/v1/admin/redemptions/verify", verifier, map[string]string{"voucher_code": othersCode}), http.StatusOK)
	var statuses []string
	if err := e.db.Raw("SELECT status FROM redemptions WHERE resident_id = ? ORDER BY id", rid).Scan(&statuses).Error; err != nil {
		t.Fatal(err)
	}
	if len(statuses) != 2 || statuses[0] != "cancelled" || statuses[1] != "used" {
		t.Fatalf("the deleted resident's redemptions are %v, want [cancelled used]", statuses)
	}
	var consents int64
	if err := e.db.Raw("SELECT COUNT(*) FROM consents WHERE resident_id = ?", rid).Scan(&consents).Error; err != nil {
		t.Fatal(err)
	}
	if consents != 0 || e.count("consents") != 1 {
		t.Fatalf("consents of the deleted resident=%d, all=%d; want 0 and the other's 1", consents, e.count("consents"))
	}
}
