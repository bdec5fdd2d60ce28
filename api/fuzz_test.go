package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/staff"
)

// FuzzRequestBodies sends arbitrary bodies to every route that takes one,
// as a resident and as a superadmin: whatever arrives, the answer is never
// a 500 and every error has the contract's shape.
func FuzzRequestBodies(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, `null`, `{"code":"mock:x"}`, `{"uscc":"914403001922038216","role":"agent"}`,
		`{"audience":{"streets":["华富街道"],"age_min":60}}`, `{"answers":{"1":["对"]}}`,
		`{"resident_id":"1","rule_code":"x","external_id":"y"}`, `{"title":1}`, `{"tags":"x"}`,
		`{"birth_year":1e99}`, `{"a":` + strings.Repeat("[", 100),
		"{\"nickname\":\"\xff\"}", "{\"audience\":{\"streets\":[\"\xc3\x28\"]}}", "\xef\xbb\xbf{}",
		`{"valid_from":"0000-01-01T00:00:00+01:00"}`, `{"opens_at":"9999-12-31T23:59:59-12:00"}`,
	} {
		f.Add(seed)
	}
	e := newEnvWith(f, func(c *Config) {
		c.Limits = Limits{
			StaffLoginPerUser: ratelimit.Limit{Count: 1 << 30, Period: time.Second},
			StaffLoginPerIP:   ratelimit.Limit{Count: 1 << 30, Period: time.Second},
			ResidentWrites:    ratelimit.Limit{Count: 1 << 30, Period: time.Second},
		}
	})
	resident, _ := e.resident("fuzzer")
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	fill := strings.NewReplacer(":uscc", "914403001922038216", ":id", "1")
	var routes [][2]string
	for _, r := range e.srv.Routes() {
		if (r.Method == http.MethodPost || r.Method == http.MethodPatch) && r.Path != "/api/v1/auth/logout" {
			routes = append(routes, [2]string{r.Method, fill.Replace(r.Path)})
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		e := *e
		e.t = t
		for _, r := range routes {
			for _, token := range []string{resident, admin} {
				rec := e.do(r[0], r[1], token, body)
				if rec.Code >= 500 && rec.Code != http.StatusNotImplemented && rec.Code != http.StatusServiceUnavailable {
					t.Fatalf("%s %s with %q: %d %s", r[0], r[1], body, rec.Code, rec.Body.String())
				}
				if rec.Code >= 400 {
					var eb struct {
						Error struct{ Code, Message string } `json:"error"`
					}
					if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error.Code == "" {
						t.Fatalf("%s %s: error without the contract's shape: %s", r[0], r[1], rec.Body.String())
					}
				}
			}
		}
	})
}
