// Package members selects the residents bound to enterprises, as SQL
// conditions on the residents table: what the enterprises module says an
// enterprise's members are, for the notice audiences of notify (which
// enterprises itself imports, so notify cannot import it). It reads the
// enterprises module's tables and imports nothing of the project.
package members

import "time"

// Kinds are the kinds of credit records: the one list, which
// enterprises.Kind's Enum returns (enterprises' constants name its values).
func Kinds() []string {
	return []string{"penalty", "commitment_breach", "arrears", "complaint", "honor", "tax_grade"}
}

// Severities are the severities of credit records, which
// enterprises.Severity's Enum returns.
func Severities() []string { return []string{"minor", "general", "serious"} }

// bound starts every condition: residents (residentID is the statement's
// resident ID column, e.g. "residents.id") with an approved binding to an
// enterprise e that …
func bound(residentID string) string {
	return `EXISTS (SELECT 1 FROM enterprise_bindings eb JOIN enterprises e ON e.id = eb.enterprise_id
			WHERE eb.resident_id = ` + residentID + ` AND eb.status = 'approved' AND `
}

// WithGrade selects the members of enterprises whose current grade is one
// of grades.
func WithGrade(residentID string, grades []string) (string, []any) {
	return bound(residentID) + `e.grade IN ?)`, []any{grades}
}

// InIndustry selects the members of enterprises of one of industries.
func InIndustry(residentID string, industries []string) (string, []any) {
	return bound(residentID) + `e.industry IN ?)`, []any{industries}
}

// WithRecord selects the members of enterprises with a credit record that
// counts at now (occurred, not expired, not revoked: what their rating
// counts) of one of kinds and, unless severities is empty, of one of
// severities.
func WithRecord(residentID string, kinds, severities []string, now time.Time) (string, []any) {
	q := bound(residentID) + `EXISTS (SELECT 1 FROM credit_records cr WHERE cr.enterprise_id = e.id AND cr.kind IN ?
			AND cr.revoked_at IS NULL AND cr.occurred_at <= ? AND cr.expires_at > ?`
	args := []any{kinds, now.UTC(), now.UTC()}
	if len(severities) > 0 {
		q += ` AND cr.severity IN ?`
		args = append(args, severities)
	}
	return q + `))`, args
}
