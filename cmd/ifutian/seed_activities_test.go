package main

import (
	"net/http"
	"testing"
)

// TestDemoActivity: after seed --demo, a newcomer finds the demo activity,
// signs up, and checks in by scanning the code demo_verifier's phone shows.
func TestDemoActivity(t *testing.T) {
	getenv, _ := seededDemo(t)
	call := demoCaller(t, getenv)
	newcomer := call("POST", "/api/v1/auth/wechat-login", "", `{"code":"mock:newcomer"}`, http.StatusOK)["token"].(string)
	list := call("GET", "/api/v1/activities", newcomer, "", http.StatusOK)["items"].([]any)
	var id string
	for _, it := range list {
		if it.(map[string]any)["title"] == demoActivityTitle {
			id = it.(map[string]any)["id"].(string)
		}
	}
	if id == "" {
		t.Fatalf("the demo activity is not open to a newcomer: %v", list)
	}
	call("POST", "/api/v1/activities/"+id+"/signup", newcomer, "", http.StatusCreated)
	verifier := call("POST", "/api/v1/auth/staff-login", "", `{"username":"demo_verifier","password":"`+demoPassword+`"}`, http.StatusOK)["token"].(string)
	code := call("GET", "/api/v1/admin/activities/"+id+"/venue-code", verifier, "", http.StatusOK)["code"].(string)
	got := call("POST", "/api/v1/activities/scan", newcomer, `{"code":"`+code+`"}`, http.StatusCreated)
	if got["signup"].(map[string]any)["attendance"] != "checked_in" {
		t.Fatalf("scan: %v", got)
	}
}
