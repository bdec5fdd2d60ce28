package api

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/staff"
)

// staffMe is the answer of GET /admin/me.
type staffMe struct {
	Staff       staff.Member       `json:"staff"`
	Department  *staff.Department  `json:"department" doc:"The member's department; null for a district-level account."`
	Permissions []staff.Permission `json:"permissions" doc:"The permissions the member holds, sorted."`
}

var whoAmIOp = op{
	Tag: "admin-staff", Summary: "Who am I: the calling staff member, their department and permissions",
	Description: "Every staff member may call it. permissions lists the permissions of the authorization policy the member " +
		"holds (sorted), so a client shows only the actions the policy allows; the API refuses the others all the same. " +
		"department is null for a district-level account (a superadmin or a district auditor without a department).",
	Replies: []reply{ok(staffMe{})},
}

// whoAmI answers the calling staff member, their department and the
// permissions of staff.Policy they hold, so a client shows only what the
// policy allows (the API refuses the rest all the same). Every staff member
// may call it: it has no permission of its own.
func (s *Server) whoAmI(c *gin.Context) {
	m := actor(c)
	out := staffMe{Staff: *m, Permissions: []staff.Permission{}}
	// The department the member acts for, as Scope says (none for a
	// district-wide account, a superadmin or a district auditor).
	if dept := m.Scope().Department(); dept != nil {
		// A handful of departments: the list is cheaper than a new lookup.
		ds, err := s.Staff.FindDepartments(c.Request.Context())
		if err != nil {
			s.fail(c, err)
			return
		}
		for i := range ds {
			if ds[i].ID == *dept {
				out.Department = &ds[i]
			}
		}
	}
	for _, p := range permissions() {
		if m.Can(p) {
			out.Permissions = append(out.Permissions, p)
		}
	}
	c.JSON(http.StatusOK, out)
}

// permissions lists every permission of the policy, sorted.
func permissions() []staff.Permission {
	ps := make([]staff.Permission, 0, len(staff.Policy))
	for p := range staff.Policy {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}
