//go:build bench

package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// cpuClock reads the CPU time spent so far by this process and by the
// database server. On a machine shared with other work, throughput moves
// with the others' load, while the CPU an operation costs (both sides of
// the socket) holds better: the points bench prints it beside each ratio.
//
// The server's side is, when MariaDB's user statistics are on (SET GLOBAL
// userstat = 1), the CPU of the bench's own database user's connections,
// with the number of statements they ran (give the bench a user of its
// own, and other clients of the server do not count); else the whole
// server process's CPU when it runs on this machine (a mariadbd or mysqld
// process in /proc), other clients' work included; else nothing.
type cpuClock struct {
	sqlDB  *sql.DB
	user   bool   // read from information_schema.USER_STATISTICS
	dbStat string // else /proc/<pid>/stat of the database server, or ""
}

// source names where the database's CPU is read from.
func (c cpuClock) source() string {
	switch {
	case c.user:
		return "userstat"
	case c.dbStat != "":
		return "server process"
	}
	return "none"
}

func newCPUClock(ctx context.Context, sqlDB *sql.DB, mysql bool) cpuClock {
	c := cpuClock{sqlDB: sqlDB}
	if !mysql {
		return c // SQLite runs in this process: its CPU is the process's
	}
	var on int
	if sqlDB.QueryRowContext(ctx, "SELECT @@userstat").Scan(&on) == nil && on == 1 {
		c.user = true
		if _, _, err := c.userStats(ctx); err == nil {
			return c
		}
		c.user = false
	}
	matches, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		if name := string(bytes.TrimSpace(b)); name == "mariadbd" || name == "mysqld" {
			c.dbStat = filepath.Join(filepath.Dir(m), "stat")
			break
		}
	}
	return c
}

func (c cpuClock) userStats(ctx context.Context) (time.Duration, int64, error) {
	var cpu float64
	var n int64
	err := c.sqlDB.QueryRowContext(ctx, `SELECT CPU_TIME, SELECT_COMMANDS + UPDATE_COMMANDS + OTHER_COMMANDS
FROM information_schema.USER_STATISTICS WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)`).Scan(&cpu, &n)
	return time.Duration(cpu * float64(time.Second)), n, err
}

// cpuReading is the CPU time used so far by the process and the server,
// and the statements the server ran for the bench's user (userstat only).
type cpuReading struct {
	self, db   time.Duration
	statements int64
}

func (c cpuClock) read(ctx context.Context) cpuReading {
	var r cpuReading
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		r.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	switch {
	case c.user:
		r.db, r.statements, _ = c.userStats(ctx)
	case c.dbStat != "":
		b, err := os.ReadFile(c.dbStat)
		if err != nil {
			return r
		}
		// Fields after the command's closing parenthesis: utime and stime
		// are the 14th and 15th of the line, in clock ticks (100 a second).
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := bytes.Fields(b[i+1:])
			if len(f) > 13 {
				ut, _ := strconv.ParseInt(string(f[11]), 10, 64)
				st, _ := strconv.ParseInt(string(f[12]), 10, 64)
				r.db = time.Duration(ut+st) * 10 * time.Millisecond
			}
		}
	}
	return r
}

func (r cpuReading) sub(o cpuReading) cpuReading {
	return cpuReading{self: r.self - o.self, db: r.db - o.db, statements: r.statements - o.statements}
}

func (r cpuReading) add(o cpuReading) cpuReading {
	return cpuReading{self: r.self + o.self, db: r.db + o.db, statements: r.statements + o.statements}
}
