package db

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	modernc "modernc.org/sqlite"
)

// IsRetryable reports whether err is a transient conflict that a
// transaction may simply run again: a MySQL deadlock (1213) or lock wait
// timeout (1205), or SQLite BUSY (5, and extended codes).
func IsRetryable(err error) bool {
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	var se *modernc.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == 5 || se.Code()&0xff == 6 // SQLITE_BUSY, SQLITE_LOCKED
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
