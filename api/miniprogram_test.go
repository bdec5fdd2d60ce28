package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/residents"
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

// TestClientConfig: one public read tells the mini program the policy
// version, the subscribe asks by purpose, the levels and the photo limits,
// with an ETag; consent must name that policy version.
func TestClientConfig(t *testing.T) {
	// newEnv builds an env with templates, level names and policy version
	// (all over one database: on MySQL a second one would empty the first).
	gdb := dbtest.Open(t)
	newEnv := func(policy string) *env {
		return newEnvDeps(t, gdb, func(d *app.Deps) {
			d.Notify = notify.Config{
				Templates: map[notify.SystemKind]notify.KindTemplate{
					notify.KindRequestAccepted: {TemplateID: "TPL_ACC"}, notify.KindRequestAnswered: {TemplateID: "TPL_ANS"},
					notify.KindActivityPromoted: {TemplateID: "TPL_LONG"},
				},
				LongTerm: []string{"TPL_LONG"},
			}
			d.LevelNames = []string{"一", "二", "三", "四", "五", "六"}
			d.PolicyVersion = policy
		}, func(*Config) {})
	}
	e := newEnv(residents.DefaultPolicyVersion)
	rec := e.do("GET", "/api/v1/config", "", nil)
	wantStatus(t, rec, http.StatusOK)
	var cfg struct {
		PrivacyPolicyVersion string `json:"privacy_policy_version"`
		Subscribe            []struct {
			Purpose     string   `json:"purpose"`
			LongTerm    bool     `json:"long_term"`
			TemplateIDs []string `json:"template_ids"`
		} `json:"subscribe"`
		Levels []struct {
			Level             int    `json:"level"`
			Name              string `json:"name"`
			MinLifetimeEarned int64  `json:"min_lifetime_earned"`
		} `json:"levels"`
		Photos struct {
			MaxBytes      int64    `json:"max_bytes"`
			ContentTypes  []string `json:"content_types"`
			MaxPerRequest int      `json:"max_per_request"`
			UploadField   string   `json:"upload_field"`
		} `json:"photos"`
		UTCOffset string `json:"utc_offset"`
	}
	decode(t, rec, &cfg)
	if cfg.PrivacyPolicyVersion != residents.DefaultPolicyVersion {
		t.Fatalf("privacy_policy_version=%q", cfg.PrivacyPolicyVersion)
	}
	if len(cfg.Subscribe) != 2 || cfg.Subscribe[0].Purpose != "requests" || cfg.Subscribe[0].LongTerm ||
		strings.Join(cfg.Subscribe[0].TemplateIDs, ",") != "TPL_ACC,TPL_ANS" ||
		cfg.Subscribe[1].Purpose != "activities" || !cfg.Subscribe[1].LongTerm || len(cfg.Subscribe[1].TemplateIDs) != 1 {
		t.Fatalf("subscribe=%+v", cfg.Subscribe)
	}
	if len(cfg.Levels) != 6 || cfg.Levels[1].Level != 2 || cfg.Levels[1].Name != "二" || cfg.Levels[1].MinLifetimeEarned != 100 {
		t.Fatalf("levels=%+v", cfg.Levels)
	}
	if cfg.Photos.MaxBytes != requests.MaxPhotoBytes || cfg.Photos.MaxPerRequest != requests.MaxPhotos ||
		len(cfg.Photos.ContentTypes) != 3 || cfg.Photos.UploadField != "file" || cfg.UTCOffset != "+08:00" {
		t.Fatalf("photos=%+v offset=%q", cfg.Photos, cfg.UTCOffset)
	}

	t.Run("Cacheable", func(t *testing.T) {
		etag := rec.Header().Get("ETag")
		if etag == "" || !strings.Contains(rec.Header().Get("Cache-Control"), "max-age=") {
			t.Fatalf("headers=%v", rec.Header())
		}
		same := e.do("GET", "/api/v1/config", "", nil, "If-None-Match", etag)
		wantStatus(t, same, http.StatusNotModified)
		if same.Body.Len() != 0 {
			t.Fatalf("304 with a body: %s", same.Body.String())
		}
		// The same configuration but for a new policy version.
		changed := newEnv("2027-01").do("GET", "/api/v1/config", "", nil, "If-None-Match", etag)
		wantStatus(t, changed, http.StatusOK)
		if changed.Header().Get("ETag") == etag || !strings.Contains(changed.Body.String(), `"privacy_policy_version":"2027-01"`) {
			t.Fatalf("a new policy version kept the ETag: %s", changed.Body.String())
		}
	})

	t.Run("ConsentNamesCurrentVersion", func(t *testing.T) {
		token, _ := e.resident("consenter")
		consents := e.count("consents")
		for _, v := range []string{"2020-01", cfg.PrivacyPolicyVersion + "x", "anything"} {
			wantError(t, e.do("POST", "/api/v1/me/consent", token, map[string]string{"version": v}), http.StatusBadRequest, "invalid_argument", "version")
		}
		if got := e.count("consents"); got != consents {
			t.Fatalf("refused consents wrote %d rows", got-consents)
		}
		if body := e.do("GET", "/api/v1/me", token, nil).Body.String(); !strings.Contains(body, `"consent_version":""`) {
			t.Fatalf("a refused consent was recorded: %s", body)
		}
		rec := e.do("POST", "/api/v1/me/consent", token, map[string]string{"version": cfg.PrivacyPolicyVersion})
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"consent_version":"`+cfg.PrivacyPolicyVersion+`"`) {
			t.Fatalf("consent: %s", rec.Body.String())
		}
		staffTok, _ := e.staffer([]staff.Role{staff.Superadmin})
		wantStatus(t, e.do("POST", "/api/v1/me/consent", staffTok, map[string]string{"version": cfg.PrivacyPolicyVersion}), http.StatusForbidden)
	})
}
