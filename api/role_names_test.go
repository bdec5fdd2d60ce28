package api

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/futian/ifutian/staff"
)

// TestConsoleRoleNames: the console names roles as the server does
// (staff.Role.Name, which the staff export writes): its roleName table in
// console/src/labels.ts holds every role with the server's name.
func TestConsoleRoleNames(t *testing.T) {
	src, err := os.ReadFile("../console/src/labels.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(src), "export const roleName")
	if block, _, ok = strings.Cut(block, "}"); !ok {
		t.Fatal("no roleName table in labels.ts")
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`(\w+): '([^']+)'`).FindAllStringSubmatch(block, -1) {
		got[m[1]] = m[2]
	}
	for _, r := range staff.Roles {
		if got[string(r)] != r.Name() {
			t.Errorf("role %s: the console names it %q, the server %q", r, got[string(r)], r.Name())
		}
	}
	if len(got) != len(staff.Roles) {
		t.Errorf("the console names %d roles, the server has %d", len(got), len(staff.Roles))
	}
}
