package residents

// Other modules read residents inside their own statements (a list scoped
// by the residents' streets, an account locked with its resident's row),
// and they do it only through these pieces: a join by resident ID, the
// table for a statement over residents, and the columns they may read,
// each qualified by the alias the statement gives the table. They are SQL
// fragments, not queries, so each of those reads stays the one statement
// it was, with its plan.

// Table is the residents' table, for a statement over residents (a notice
// audience's scope) or a join of one's own.
const Table = "residents"

// Join returns an inner join of the residents as alias on their ID equal
// to residentID, a column of the statement.
func Join(alias, residentID string) string {
	return "JOIN " + Table + " " + alias + " ON " + alias + ".id = " + residentID
}

// LeftJoin returns a left join of the residents as alias on their ID equal
// to residentID, a column of the statement.
func LeftJoin(alias, residentID string) string { return "LEFT " + Join(alias, residentID) }

// From returns the residents as alias, for a statement's FROM.
func From(alias string) string { return Table + " " + alias }

// StreetColumn is the resident's street ("" for none yet).
func StreetColumn(alias string) string { return alias + ".street" }

// CommunityColumn is the resident's community ("" for none yet).
func CommunityColumn(alias string) string { return alias + ".community" }

// NicknameColumn is the resident's nickname (NULL for none).
func NicknameColumn(alias string) string { return alias + ".nickname" }

// PhoneMaskedColumn is the resident's masked phone number (NULL for none).
func PhoneMaskedColumn(alias string) string { return alias + ".phone_masked" }

// PhoneEncColumn is the resident's phone number sealed with the district's
// key (NULL for none bound).
func PhoneEncColumn(alias string) string { return alias + ".phone_enc" }

// BirthYearColumn is the resident's year of birth (NULL for none given).
func BirthYearColumn(alias string) string { return alias + ".birth_year" }

// OpenIDColumn is the resident's WeChat openid (NULL once erased).
func OpenIDColumn(alias string) string { return alias + ".openid" }

// Deleted is true for a deleted resident.
func Deleted(alias string) string { return alias + ".deleted_at IS NOT NULL" }

// OnLeaderboardColumn is true for a resident who chose to appear on leaderboards.
func OnLeaderboardColumn(alias string) string { return alias + ".leaderboard_opt_in" }

// IDColumn is the resident's ID.
func IDColumn(alias string) string { return alias + ".id" }

// Live is true for a resident not deleted.
func Live(alias string) string { return alias + ".deleted_at IS NULL" }

// TagsTable is the residents' self-chosen tags, one row (resident_id, tag)
// per tag; the residents module writes and erases them.
const TagsTable = "resident_tags"

// TaggedAny is a condition on a statement over residents (residentID is
// its resident ID column, e.g. IDColumn(Table)): the resident has one of
// tags.
func TaggedAny(residentID string, tags []string) (string, []any) {
	return "EXISTS (SELECT 1 FROM " + TagsTable + " rt WHERE rt.resident_id = " + residentID + " AND rt.tag IN ?)", []any{tags}
}
