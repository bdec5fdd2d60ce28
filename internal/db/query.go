package db

import "strings"

// Contains returns a LIKE pattern matching s anywhere, its wildcards
// escaped for a LIKE … ESCAPE '!' clause.
func Contains(s string) string {
	return "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s) + "%"
}
