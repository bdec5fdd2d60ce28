package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/futian/ifutian/staff"
)

func TestStaffMe(t *testing.T) {
	e := newEnv(t)
	type me struct {
		Staff struct {
			ID       string   `json:"id"`
			Username string   `json:"username"`
			Roles    []string `json:"roles"`
			Streets  []string `json:"streets"`
		} `json:"staff"`
		Department *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"department"`
		Permissions []staff.Permission `json:"permissions"`
	}
	get := func(token string) me {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/me", token, nil)
		wantStatus(t, rec, http.StatusOK)
		var out me
		decode(t, rec, &out)
		return out
	}
	t.Run("Editor", func(t *testing.T) {
		token, m := e.staffer([]staff.Role{staff.Editor, staff.Reviewer}, "华富街道")
		got := get(token)
		if got.Staff.ID != itoa(m.ID) || got.Staff.Username != m.Username || !slices.Equal(got.Staff.Streets, []string{"华富街道"}) {
			t.Fatalf("staff=%+v, want member %d", got.Staff, m.ID)
		}
		if got.Department == nil || got.Department.ID != itoa(e.dept) || got.Department.Name == "" {
			t.Fatalf("department=%+v, want %d with its name", got.Department, e.dept)
		}
		want := []staff.Permission{staff.ReadNotices, staff.ReviewNotices, staff.WriteNotices, staff.ReadSurveys, staff.WriteSurveys,
			staff.ManageActivities, staff.CheckInActivities, staff.ReadActivities, staff.ResolveMembers}
		slices.Sort(want)
		if !slices.Equal(got.Permissions, want) {
			t.Fatalf("permissions=%v, want %v", got.Permissions, want)
		}
	})
	t.Run("Superadmin", func(t *testing.T) {
		token, _ := e.staffer([]staff.Role{staff.Superadmin})
		got := get(token)
		if got.Department != nil {
			t.Fatalf("department=%+v, want null for a district account", got.Department)
		}
		if len(got.Permissions) != len(staff.Policy) {
			t.Fatalf("superadmin holds %d permissions, want all %d", len(got.Permissions), len(staff.Policy))
		}
	})
	t.Run("Verifier", func(t *testing.T) {
		token, _ := e.staffer([]staff.Role{staff.Verifier})
		want := []staff.Permission{staff.CheckInActivities, staff.ReadActivities, staff.ResolveMembers, staff.VerifyVouchers}
		if got := get(token); !slices.Equal(got.Permissions, want) {
			t.Fatalf("permissions=%v, want %v", got.Permissions, want)
		}
	})
	t.Run("ErrResident", func(t *testing.T) {
		token, _ := e.resident("notstaff")
		wantError(t, e.do("GET", "/api/v1/admin/me", token, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ErrNoToken", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/me", "", nil), http.StatusUnauthorized, "unauthenticated", "")
	})
	t.Run("ErrDisabled", func(t *testing.T) {
		token, m := e.staffer([]staff.Role{staff.Editor})
		if err := e.db.Table("staff").Where("id = ?", m.ID).Update("disabled", true).Error; err != nil {
			t.Fatal(err)
		}
		wantError(t, e.do("GET", "/api/v1/admin/me", token, nil), http.StatusUnauthorized, "unauthenticated", "")
	})
}

// TestStaffMeSpecListsPolicy checks that the document's permission enum is
// the policy's: a new permission must reach the console's generated types.
func TestStaffMeSpecListsPolicy(t *testing.T) {
	e := newEnv(t)
	var spec struct {
		Components struct {
			Schemas struct {
				StaffMe struct {
					Properties struct {
						Permissions struct {
							Items struct {
								Enum []staff.Permission `json:"enum"`
							} `json:"items"`
						} `json:"permissions"`
					} `json:"properties"`
				} `json:"StaffMe"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(e.srv.spec, &spec); err != nil {
		t.Fatal(err)
	}
	if got, want := spec.Components.Schemas.StaffMe.Properties.Permissions.Items.Enum, permissions(); !slices.Equal(got, want) {
		t.Fatalf("StaffMe.permissions enum=%v, want the policy's %v", got, want)
	}
}
