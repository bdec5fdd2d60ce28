package api

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

func TestRegions(t *testing.T) {
	e := newEnv(t)
	rec := e.do("GET", "/api/v1/regions", "", nil)
	wantStatus(t, rec, http.StatusOK)
	var out struct {
		Streets []struct {
			Name        string   `json:"name"`
			Communities []string `json:"communities"`
		} `json:"streets"`
		SelfTags []string `json:"self_tags"`
	}
	decode(t, rec, &out)
	if got, want := len(out.Streets), 10; got != want {
		t.Fatalf("streets=%d, want %d", got, want)
	}
	for _, s := range out.Streets {
		if len(s.Communities) == 0 {
			t.Fatalf("street %s has no communities", s.Name)
		}
	}
	if len(out.SelfTags) == 0 {
		t.Fatal("no self tags")
	}
}

func TestGetMe(t *testing.T) {
	e := newEnv(t)
	token, id := e.resident("dora")
	rec := e.do("GET", "/api/v1/me", token, nil)
	wantStatus(t, rec, http.StatusOK)
	var me map[string]any
	decode(t, rec, &me)
	for _, k := range []string{"id", "nickname", "avatar_url", "phone_masked", "street", "community", "birth_year", "tags", "consent_version", "created_at"} {
		if _, ok := me[k]; !ok {
			t.Fatalf("resident lacks %q: %s", k, rec.Body.String())
		}
	}
	if got, want := me["id"], strings.TrimSpace(itoa(id)); got != want {
		t.Fatalf("id=%v, want %v", got, want)
	}
}

func TestUpdateMe(t *testing.T) {
	e := newEnv(t)
	token, _ := e.resident("erin")
	street := e.residents.Regions().Streets[1]
	t.Run("OK", func(t *testing.T) {
		rec := e.do("PATCH", "/api/v1/me", token, map[string]any{
			"nickname": "小E", "street": street.Name, "community": street.Communities[0], "birth_year": 1960, "tags": []string{"志愿者"},
		})
		wantStatus(t, rec, http.StatusOK)
		var me struct {
			Nickname  string   `json:"nickname"`
			Street    string   `json:"street"`
			Community string   `json:"community"`
			BirthYear int      `json:"birth_year"`
			Tags      []string `json:"tags"`
		}
		decode(t, rec, &me)
		if me.Nickname != "小E" || me.Street != street.Name || me.Community != street.Communities[0] || me.BirthYear != 1960 || len(me.Tags) != 1 {
			t.Fatalf("profile not updated: %s", rec.Body.String())
		}
	})
	t.Run("CommunitySetsStreet", func(t *testing.T) {
		other := e.residents.Regions().Streets[3]
		rec := e.do("PATCH", "/api/v1/me", token, map[string]any{"community": other.Communities[0]})
		wantStatus(t, rec, http.StatusOK)
		var me struct{ Street string }
		decode(t, rec, &me)
		if me.Street != other.Name {
			t.Fatalf("street=%q, want %q", me.Street, other.Name)
		}
	})
	for name, tc := range map[string]struct {
		body  map[string]any
		field string
	}{
		"ErrUnknownStreet":    {map[string]any{"street": "不存在街道"}, "street"},
		"ErrUnknownCommunity": {map[string]any{"community": "不存在社区"}, "community"},
		"ErrCommunityStreet":  {map[string]any{"street": e.residents.Regions().Streets[0].Name, "community": street.Communities[0]}, "community"},
		"ErrTag":              {map[string]any{"tags": []string{"自封标签"}}, "tags"},
		"ErrBirthYear":        {map[string]any{"birth_year": 1800}, "birth_year"},
		"ErrType":             {map[string]any{"birth_year": "1960"}, "birth_year"},
		"ErrAvatar":           {map[string]any{"avatar_url": "javascript:alert(1)"}, "avatar_url"},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.do("GET", "/api/v1/me", token, nil).Body.String()
			wantError(t, e.do("PATCH", "/api/v1/me", token, tc.body), http.StatusBadRequest, "invalid_argument", tc.field)
			if after := e.do("GET", "/api/v1/me", token, nil).Body.String(); after != before {
				t.Fatalf("a rejected patch changed the profile:\n%s\n%s", before, after)
			}
		})
	}
}

func TestBindPhone(t *testing.T) {
	e := newEnv(t)
	token, _ := e.resident("fay")
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/me/phone", token, map[string]string{"code": "mock-phone:13812345678"})
		wantStatus(t, rec, http.StatusOK)
		if body := rec.Body.String(); !strings.Contains(body, `"phone_masked":"138****5678"`) || strings.Contains(body, "13812345678") {
			t.Fatalf("phone not masked: %s", body)
		}
	})
	t.Run("ErrBadCode", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/me/phone", token, map[string]string{"code": "nope"}), http.StatusBadRequest, "invalid_argument", "code")
	})
	t.Run("ErrMissingCode", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/me/phone", token, map[string]string{}), http.StatusBadRequest, "invalid_argument", "code")
	})
}

// TestPhoneEncryptedAtRest checks that the database file never holds a
// plain phone number.
func TestPhoneEncryptedAtRest(t *testing.T) {
	if os.Getenv(dbtest.EnvMySQL) != "" {
		t.Skip("inspects the SQLite file")
	}
	e := newEnv(t)
	token, id := e.resident("gus")
	wantStatus(t, e.do("POST", "/api/v1/me/phone", token, map[string]string{"code": "mock-phone:13987654321"}), http.StatusOK)
	r, err := e.residents.FindByPhone(context.Background(), "13987654321")
	if err != nil || r.ID != id {
		t.Fatalf("FindByPhone=%v, %v; want resident %d", r, err, id)
	}
	var path string
	e.db.Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path)
	e.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(path + "-wal")
	if bytes.Contains(raw, []byte("13987654321")) || bytes.Contains(wal, []byte("13987654321")) {
		t.Fatalf("plain phone number in %s", filepath.Base(path))
	}
}

func TestConsent(t *testing.T) {
	e := newEnv(t)
	token, _ := e.resident("hal")
	rec := e.do("POST", "/api/v1/me/consent", token, map[string]string{"version": residents.DefaultPolicyVersion})
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"consent_version":"`+residents.DefaultPolicyVersion+`"`) {
		t.Fatalf("consent not recorded: %s", rec.Body.String())
	}
	wantError(t, e.do("POST", "/api/v1/me/consent", token, map[string]string{"version": ""}), http.StatusBadRequest, "invalid_argument", "version")
	wantError(t, e.do("POST", "/api/v1/me/consent", token, map[string]string{"version": "<script>"}), http.StatusBadRequest, "invalid_argument", "version")
	// A version other than the current one is no consent to what is shown.
	wantError(t, e.do("POST", "/api/v1/me/consent", token, map[string]string{"version": "2020-01"}), http.StatusBadRequest, "invalid_argument", "version")
	if got, want := e.count("consents"), int64(1); got != want {
		t.Fatalf("consents=%d, want %d", got, want)
	}
}

func TestExportMe(t *testing.T) {
	e := newEnv(t)
	token, _ := e.resident("ivy")
	wantStatus(t, e.do("POST", "/api/v1/me/phone", token, map[string]string{"code": "mock-phone:13700001111"}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/me/consent", token, map[string]string{"version": residents.DefaultPolicyVersion}), http.StatusOK)
	other, _ := e.resident("jack")
	wantStatus(t, e.do("POST", "/api/v1/me/phone", other, map[string]string{"code": "mock-phone:13700002222"}), http.StatusOK)

	rec := e.do("GET", "/api/v1/me/export", token, nil)
	wantStatus(t, rec, http.StatusOK)
	var out struct {
		Profile  map[string]any   `json:"profile"`
		Phone    string           `json:"phone"`
		Consents []map[string]any `json:"consents"`
		Sections map[string]any   `json:"sections"`
	}
	decode(t, rec, &out)
	if out.Phone != "13700001111" || len(out.Consents) != 1 {
		t.Fatalf("export=%s", rec.Body.String())
	}
	for _, s := range []string{"points", "enterprises", "notices", "surveys"} {
		if _, ok := out.Sections[s]; !ok {
			t.Fatalf("export lacks section %q", s)
		}
	}
	if strings.Contains(rec.Body.String(), "13700002222") {
		t.Fatal("export holds another resident's data")
	}
}

func TestDeleteMe(t *testing.T) {
	e := newEnv(t)
	token, id := e.resident("kim")
	second := e.do("POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": "mock:kim"})
	var s2 struct{ Token string }
	decode(t, second, &s2)
	wantStatus(t, e.do("POST", "/api/v1/me/phone", token, map[string]string{"code": "mock-phone:13600001111"}), http.StatusOK)
	wantStatus(t, e.do("PATCH", "/api/v1/me", token, map[string]any{"nickname": "Kim", "tags": []string{"志愿者"}}), http.StatusOK)

	wantStatus(t, e.do("DELETE", "/api/v1/me", token, nil), http.StatusNoContent)
	for _, tok := range []string{token, s2.Token} {
		wantError(t, e.do("GET", "/api/v1/me", tok, nil), http.StatusUnauthorized, "unauthenticated", "")
	}
	var row struct {
		Openid      *string
		Nickname    string
		PhoneEnc    []byte
		PhoneMasked string
	}
	e.db.Raw("SELECT openid, nickname, phone_enc, phone_masked FROM residents WHERE id = ?", id).Scan(&row)
	if row.Openid != nil || row.Nickname != "" || row.PhoneEnc != nil || row.PhoneMasked != "" {
		t.Fatalf("personal fields kept after deletion: %+v", row)
	}
	if got := e.count("resident_tags"); got != 0 {
		t.Fatalf("resident_tags=%d after deletion", got)
	}
	// Logging in again starts a new, empty account.
	rec := e.do("POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": "mock:kim"})
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"created":true`) {
		t.Fatalf("login after deletion reused the old account: %s", rec.Body.String())
	}
}

func TestAdminGetResident(t *testing.T) {
	e := newEnv(t)
	streets := e.residents.Regions().Streets
	token, id := e.resident("lee")
	wantStatus(t, e.do("PATCH", "/api/v1/me", token, map[string]any{"street": streets[0].Name}), http.StatusOK)
	path := "/api/v1/admin/residents/" + itoa(id)

	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	wantStatus(t, e.do("GET", path, officer, nil), http.StatusOK)
	var entry struct{ Action, TargetKind, TargetID string }
	e.db.Raw("SELECT action, target_kind, target_id FROM audit_log").Scan(&entry)
	if entry.Action != "GET /api/v1/admin/residents/:id" || entry.TargetKind != "residents" || entry.TargetID != itoa(id) {
		t.Fatalf("audit entry after a personal read=%+v", entry)
	}
	scoped, _ := e.staffer([]staff.Role{staff.PointsOfficer}, streets[1].Name)
	wantError(t, e.do("GET", path, scoped, nil), http.StatusNotFound, "not_found", "")
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	wantError(t, e.do("GET", path, editor, nil), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("GET", "/api/v1/admin/residents/999999", officer, nil), http.StatusNotFound, "not_found", "")
	wantError(t, e.do("GET", "/api/v1/admin/residents/abc", officer, nil), http.StatusNotFound, "not_found", "")
}
