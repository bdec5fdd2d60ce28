package notify

import "github.com/futian/ifutian/staff"

// CheckReach checks the streets an audience reaches against scope by: the
// audience's streets and the streets of its communities; an audience that
// names neither reaches every street. It returns permission_denied naming
// audience.streets or audience.communities when the audience reaches
// beyond by's streets.
func CheckReach(by staff.Scope, a Audience, r StreetRegions) error {
	if len(a.Communities) == 0 || len(a.Streets) > 0 {
		if err := by.CheckReach("audience.streets", a.Streets); err != nil {
			return err
		}
	}
	if len(a.Communities) == 0 {
		return nil
	}
	streets := make([]string, len(a.Communities))
	for i, c := range a.Communities {
		if r != nil {
			streets[i] = r.StreetOf(c) // "" for an unknown community: covered by no street scope
		}
	}
	return by.CheckReach("audience.communities", streets)
}

// visible reports whether notice n is within scope by: a notice of a
// department by owns (a district-wide one, the district's), whose audience
// stays within by's streets. Any other notice answers as a missing one.
func visible(by staff.Scope, n *Notice, r StreetRegions) bool {
	return by.OwnsDepartment(n.DepartmentID) && CheckReach(by, n.Audience, r) == nil
}
