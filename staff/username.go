package staff

import "strings"

// NormalizeUsername is the one spelling of a username: surrounding white
// space (any Unicode space, tabs and newlines included) removed and
// lower-cased. Create stores it, Authenticate looks it up, and the login
// throttle counts attempts under it, so every spelling that logs in as an
// account shares that account's budget of attempts.
func NormalizeUsername(username string) string {
	return strings.ToLower(strings.TrimSpace(username))
}
