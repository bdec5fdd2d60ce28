package main

import (
	"net/http"
	"net/url"
	"testing"
)

// TestDemoPublishedNotice: after seed --demo (twice), demo_editor finds one
// published warning whose statistics show reads, an acknowledgement and
// WeChat messages to send, by street.
func TestDemoPublishedNotice(t *testing.T) {
	getenv, _ := seededDemo(t)
	call := demoCaller(t, getenv)
	token := call("POST", "/api/v1/auth/staff-login", "", `{"username":"demo_editor","password":"`+demoPassword+`"}`, http.StatusOK)["token"].(string)
	list := call("GET", "/api/v1/admin/notices?status=published&q="+url.QueryEscape(demoPublishedTitle), token, "", http.StatusOK)["items"].([]any)
	if len(list) != 1 {
		t.Fatalf("published demo notices: %v, want one", list)
	}
	id := list[0].(map[string]any)["id"].(string)
	st := call("GET", "/api/v1/admin/notices/"+id+"/stats", token, "", http.StatusOK)
	wechat := st["wechat"].(map[string]any)
	if st["targeted"] != 3.0 || st["read"] != 2.0 || st["acked"] != 1.0 || wechat["pending"] != 3.0 || len(st["by_street"].([]any)) != 3 {
		t.Fatalf("stats %v", st)
	}
}
