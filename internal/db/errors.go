package db

import (
	"errors"
	"regexp"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// columnRE finds the column in MySQL's "… for column 'c' at row 1" and
// MariaDB's "… for column `db`.`table`.`c` at row 1".
var columnRE = regexp.MustCompile("for column (?:`[^`]*`\\.)*[`']([^`']+)[`']")

// InvalidText reports whether err is MySQL refusing a string that is not
// valid in the column's character set (error 1366 "Incorrect string value",
// 1300 invalid character string), and the column when the message names
// it. The API checks requests for UTF-8 before they reach a module; this
// catches text that got past it, so that it is the client's error, not the
// server's. SQLite stores any bytes and never reports it.
func InvalidText(err error) (column string, ok bool) {
	var me *mysqldriver.MySQLError
	if !errors.As(err, &me) {
		return "", false
	}
	switch {
	case me.Number == 1366 && strings.HasPrefix(me.Message, "Incorrect string value"), me.Number == 1300:
	default:
		return "", false
	}
	if m := columnRE.FindStringSubmatch(me.Message); m != nil {
		column = m[1]
	}
	return column, true
}
