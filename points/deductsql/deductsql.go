// Package deductsql states, for modules that select residents (a notice's
// or a survey's audience, in notify), which residents have a deduction
// under given rules — as SQL over the points module's tables, written here
// beside points so no other module reads those tables by hand. It imports
// nothing of points (points imports notify, which imports this).
package deductsql

import "time"

// DeductedUnder is a condition on a query over residents (the residents
// table's ID column residentID, e.g. "residents.id"): the resident has a
// deduction naming one of rules, recorded at or after since (nil: ever),
// that no upheld appeal reversed.
func DeductedUnder(residentID string, rules []string, since *time.Time) (string, []any) {
	sql := "EXISTS (SELECT 1 FROM point_transactions pt WHERE pt.resident_id = " + residentID +
		" AND pt.kind = 'deduct' AND pt.rule_code IN ?" +
		" AND NOT EXISTS (SELECT 1 FROM point_appeals pa WHERE pa.transaction_id = pt.id AND pa.status = 'approved')"
	args := []any{rules}
	if since != nil {
		sql += " AND pt.created_at >= ?"
		args = append(args, since.UTC())
	}
	return sql + ")", args
}

// RuleDepartments is a query of the rules among codes: each one's code and
// department_id (NULL: district-wide), so that a module taking rule codes
// can check them against the caller's scope.
func RuleDepartments(codes []string) (string, []any) {
	return "SELECT code, department_id FROM point_rules WHERE code IN ?", []any{codes}
}
