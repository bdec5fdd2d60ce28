package db

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	modernc "modernc.org/sqlite"
)

// SerializationFailure starts the message of a trigger that refuses a
// write made on stale data (SQLite has no SQLSTATE to say so; MySQL
// triggers signal SQLSTATE 40001 as well).
const SerializationFailure = "serialization failure"

// ErrSerialization is a write refused because what it was decided on has
// changed since it was read. IsRetryable reports it.
var ErrSerialization = errors.New(SerializationFailure)

// IsRetryable reports whether err is a transient conflict that a
// transaction may simply run again: a MySQL deadlock (1213), lock wait
// timeout (1205) or other serialization failure (SQLSTATE 40001, which a
// trigger may signal), or SQLite BUSY or LOCKED (5, 6 and extended codes)
// or a trigger's RAISE whose message starts with SerializationFailure, or
// ErrSerialization.
func IsRetryable(err error) bool {
	if errors.Is(err, ErrSerialization) {
		return true
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205 || me.SQLState == [5]byte{'4', '0', '0', '0', '1'}
	}
	var se *modernc.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		case 19: // SQLITE_CONSTRAINT: a trigger's RAISE(ABORT, ...) among them
			return strings.Contains(se.Error(), SerializationFailure)
		}
	}
	return false
}

// Retry runs fn, running it again (up to attempts times in all, with a
// short jittered pause) while it fails with a retryable conflict.
func Retry(ctx context.Context, attempts int, fn func() error) error {
	var err error
	for i := range attempts {
		if err = fn(); err == nil || !IsRetryable(err) {
			return err
		}
		pause := time.Duration(1+rand.IntN(5*(i+1))) * time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
	return err
}
