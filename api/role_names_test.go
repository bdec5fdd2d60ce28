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
	got := consoleLabels(t, "roleName")
	for _, r := range staff.Roles {
		if got[string(r)] != r.Name() {
			t.Errorf("role %s: the console names it %q, the server %q", r, got[string(r)], r.Name())
		}
	}
	if len(got) != len(staff.Roles) {
		t.Errorf("the console names %d roles, the server has %d", len(got), len(staff.Roles))
	}
}

// TestConsoleJobKinds: the console's 后台任务 screen names, and offers as a
// filter, every kind of job the server registers (its jobKind table in
// console/src/labels.ts), and no other.
func TestConsoleJobKinds(t *testing.T) {
	e := newEnv(t)
	got := consoleLabels(t, "jobKind")
	kinds := e.srv.Jobs.Kinds()
	for _, k := range kinds {
		if got[k] == "" {
			t.Errorf("job kind %s has no name in the console", k)
		}
	}
	if len(got) != len(kinds) {
		t.Errorf("the console names %d job kinds, the server registers %d: %v", len(got), len(kinds), kinds)
	}
}

// consoleLabels reads the table name of console/src/labels.ts: its keys
// (bare or quoted) and their labels.
func consoleLabels(t *testing.T, name string) map[string]string {
	t.Helper()
	src, err := os.ReadFile("../console/src/labels.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(src), "export const "+name+":")
	if block, _, ok = strings.Cut(block, "}"); !ok {
		t.Fatalf("no %s table in labels.ts", name)
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`'?([\w.]+)'?: '([^']+)'`).FindAllStringSubmatch(block, -1) {
		got[m[1]] = m[2]
	}
	return got
}
