package main

import (
	"net/http"
	"testing"
)

// TestDemoRepair: after seed --demo, carol sees the repairable deduction in
// her ledger and starts its repair: a quiz of five questions drawn from
// the starter bank's 个人信息保护法 tag.
func TestDemoRepair(t *testing.T) {
	getenv, _ := seededDemo(t)
	call := demoCaller(t, getenv)
	carol := call("POST", "/api/v1/auth/wechat-login", "", `{"code":"mock:carol"}`, http.StatusOK)["token"].(string)
	var id string
	for _, it := range call("GET", "/api/v1/points/transactions", carol, "", http.StatusOK)["items"].([]any) {
		tx := it.(map[string]any)
		if r, ok := tx["repair"].(map[string]any); ok && tx["rule_code"] == "pipl_forwarding" && r["available"] == true {
			id = tx["id"].(string)
		}
	}
	if id == "" {
		t.Fatal("carol has no repairable deduction")
	}
	got := call("POST", "/api/v1/points/deductions/"+id+"/repair", carol, "", http.StatusCreated)
	if qs := got["attempt"].(map[string]any)["questions"].([]any); len(qs) != 5 {
		t.Fatalf("the repair's quiz has %d questions, want 5", len(qs))
	}
}
