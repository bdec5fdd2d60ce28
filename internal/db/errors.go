package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"

	mysqldriver "github.com/go-sql-driver/mysql"
	modernc "modernc.org/sqlite"
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

// IsUnavailable reports whether err means the database cannot be reached
// or cannot serve now, rather than that the request was wrong: a closed
// pool, a connection refused, reset, timed out or killed, the server
// shutting down or out of connections, a lock wait timeout, SQLite busy
// past its timeout, or its file unreadable. A client should retry such a
// request later (the API answers 503 with Retry-After).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldriver.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, // too many connections
			1053,                   // server shutdown in progress
			1205,                   // lock wait timeout
			1927,                   // connection killed (MariaDB)
			2002, 2003, 2006, 2013: // can't connect, server gone away, lost connection
			return true
		}
		return false
	}
	var se *modernc.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6, // SQLITE_BUSY, SQLITE_LOCKED: still locked after busy_timeout
			8,  // SQLITE_READONLY
			10, // SQLITE_IOERR
			13, // SQLITE_FULL
			14: // SQLITE_CANTOPEN
			return true
		}
		return false
	}
	// database/sql's own "sql: database is closed" has no exported value.
	return strings.Contains(err.Error(), "sql: database is closed")
}
