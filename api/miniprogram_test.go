package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/futian/ifutian/staff"
)

// wxMethods are the methods wx.request can send that the API uses
// (wx.request also has OPTIONS, HEAD, TRACE and CONNECT, which carry no
// operation here; it has no PATCH).
var wxMethods = map[string]bool{http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodDelete: true}

// TestResidentRoutesFitWxRequest walks every route a mini program may call
// (under /api/v1 but not /api/v1/admin, with or without a resident token)
// and fails for one that only a method wx.request lacks can reach. A PATCH
// route passes only as the alias of a PUT on the same path, which the mini
// program uses instead.
func TestResidentRoutesFitWxRequest(t *testing.T) {
	e := newEnv(t)
	served := map[string]bool{}
	for _, r := range e.srv.Routes() {
		served[r.Method+" "+r.Path] = true
	}
	n := 0
	for _, r := range e.srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasPrefix(r.Path, "/api/v1/admin/") {
			continue
		}
		n++
		switch {
		case wxMethods[r.Method]:
		case r.Method == http.MethodPatch && served[http.MethodPut+" "+r.Path]:
		default:
			t.Errorf("%s %s: wx.request cannot send %s; serve it with GET, POST, PUT or DELETE", r.Method, r.Path, r.Method)
		}
	}
	if n < 50 {
		t.Fatalf("walked %d resident routes, want the whole table", n)
	}
}

// TestPutMe is the profile update the mini program sends: PUT with only
// the fields to change; the others keep their values.
func TestPutMe(t *testing.T) {
	e := newEnv(t)
	token, _ := e.resident("putme")
	other, _ := e.resident("putme-other")
	street := e.residents.Regions().Streets[2]
	wantStatus(t, e.do("PUT", "/api/v1/me", token, map[string]any{
		"nickname": "小P", "street": street.Name, "community": street.Communities[0], "birth_year": 1970,
		"tags": []string{"志愿者"}, "leaderboard_opt_in": true,
	}), http.StatusOK)
	t.Run("OnlyNamedFieldsChange", func(t *testing.T) {
		rec := e.do("PUT", "/api/v1/me", token, map[string]any{"nickname": "小Q"})
		wantStatus(t, rec, http.StatusOK)
		var me struct {
			Nickname         string   `json:"nickname"`
			Street           string   `json:"street"`
			Community        string   `json:"community"`
			BirthYear        int      `json:"birth_year"`
			Tags             []string `json:"tags"`
			LeaderboardOptIn bool     `json:"leaderboard_opt_in"`
		}
		decode(t, rec, &me)
		if me.Nickname != "小Q" || me.Street != street.Name || me.Community != street.Communities[0] || me.BirthYear != 1970 ||
			len(me.Tags) != 1 || !me.LeaderboardOptIn {
			t.Fatalf("a partial PUT changed what it did not name: %s", rec.Body.String())
		}
	})
	t.Run("PatchIsTheSame", func(t *testing.T) {
		rec := e.do("PATCH", "/api/v1/me", token, map[string]any{"birth_year": 1971})
		wantStatus(t, rec, http.StatusOK)
		if body := rec.Body.String(); !strings.Contains(body, `"birth_year":1971`) || !strings.Contains(body, `"nickname":"小Q"`) {
			t.Fatalf("PATCH: %s", body)
		}
	})
	t.Run("ErrStreetNothingWritten", func(t *testing.T) {
		before := e.do("GET", "/api/v1/me", token, nil).Body.String()
		wantError(t, e.do("PUT", "/api/v1/me", token, map[string]any{"nickname": "改了", "street": "不存在街道"}), http.StatusBadRequest, "invalid_argument", "street")
		if after := e.do("GET", "/api/v1/me", token, nil).Body.String(); after != before {
			t.Fatalf("a refused PUT changed the profile:\n%s\n%s", before, after)
		}
	})
	t.Run("OtherResidentUntouched", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/me", other, nil)
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), "小Q") {
			t.Fatalf("another resident's profile changed: %s", rec.Body.String())
		}
	})
	t.Run("ErrStaffToken", func(t *testing.T) {
		tok, _ := e.staffer([]staff.Role{staff.Superadmin})
		wantStatus(t, e.do("PUT", "/api/v1/me", tok, map[string]any{"nickname": "x"}), http.StatusForbidden)
	})
}
