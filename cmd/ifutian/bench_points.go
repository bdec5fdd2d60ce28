//go:build bench

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// benchPoints measures, against the configured database and in one run:
//   - awards per second through the real HTTP API (loopback, keep-alive,
//     o.Concurrency clients) beside a bare database/sql transaction doing
//     the same ledger insert plus account update, their ratio and the
//     API's p99;
//   - GET /points/account for random residents beside a trivial JSON
//     route (/healthz) served by the same process, and their ratio.
//
// It seeds its own residents, a department, a points officer and a rule,
// and removes the residents, their points and the rule afterwards (audit
// entries of the awards stay: the audit log is append-only).
func benchPoints(ctx context.Context, cfg Config, log *slog.Logger, o benchOptions, out io.Writer) error {
	if o.Residents <= 0 {
		o.Residents = 2000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	// Request logs would measure the terminal, not the service.
	quiet := cfg
	quiet.LogLevel = slog.LevelWarn
	a, err := build(ctx, quiet, newLogger(quiet, io.Discard))
	if err != nil {
		return err
	}
	defer a.close()

	b := &pointsBench{a: a, o: o, cpu: newCPUClock(ctx, db.SQL(a.db), db.DialectOf(a.db) == db.MySQL)}
	if err := b.seed(ctx); err != nil {
		return fmt.Errorf("bench points: seed: %w", err)
	}
	if err := b.createBareTables(ctx); err != nil {
		return fmt.Errorf("bench points: bare tables: %w", err)
	}
	defer func() {
		if err := b.cleanup(context.WithoutCancel(ctx)); err != nil {
			log.Error("bench points: cleanup failed", "err", err)
		}
	}()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.api, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	b.base = "http://" + ln.Addr().String()
	b.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 4 * o.Concurrency, MaxIdleConnsPerHost: 4 * o.Concurrency, IdleConnTimeout: time.Minute,
	}}

	fmt.Fprintf(out, "# points bench: db=%s residents=%d concurrency=%d duration=%s database cpu=%s\n", dbKind(cfg.DB), o.Residents, o.Concurrency, o.Duration, b.cpu.source())
	// Warm up: connections, token and rule caches, buffer pool.
	if _, err := b.run(ctx, min(2*time.Second, o.Duration), b.apiAward); err != nil {
		return err
	}
	// Each pair of phases is interleaved in slices, so that a change in the
	// machine's background load falls on both sides of a ratio alike.
	api, bare, err := b.pair(ctx, b.apiAward, b.bareAward)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "award_api_per_s: %.0f\n", api.perSecond())
	fmt.Fprintf(out, "award_p50_ms: %.1f\n", api.percentile(0.50))
	fmt.Fprintf(out, "award_p99_ms: %.1f\n", api.percentile(0.99))
	fmt.Fprintf(out, "award_bare_per_s: %.0f\n", bare.perSecond())
	fmt.Fprintf(out, "award_bare_p99_ms: %.1f\n", bare.percentile(0.99))
	printCPU(out, "award_api", api)
	printCPU(out, "award_bare", bare)
	fmt.Fprintf(out, "award_ratio: %.2f\n", api.perSecond()/bare.perSecond())

	read, trivial, err := b.pair(ctx, b.readAccount, b.readTrivial)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "read_api_per_s: %.0f\n", read.perSecond())
	fmt.Fprintf(out, "read_p99_ms: %.1f\n", read.percentile(0.99))
	fmt.Fprintf(out, "read_trivial_per_s: %.0f\n", trivial.perSecond())
	printCPU(out, "read_api", read)
	printCPU(out, "read_trivial", trivial)
	fmt.Fprintf(out, "read_ratio: %.2f\n", read.perSecond()/trivial.perSecond())

	bad, checked, err := a.Points.Reconcile(ctx)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("bench points: reconcile found %d mismatches in %d accounts, first: %v", len(bad), checked, bad[0])
	}
	return nil
}

// printCPU prints what one operation of r cost in CPU: this process (the
// bench's clients and the service) and the database server, in µs.
func printCPU(out io.Writer, name string, r benchResult) {
	self, db := r.cpuPerOp()
	fmt.Fprintf(out, "%s_cpu_us: %.0f (process %.0f, database %.0f)", name, self+db, self, db)
	if r.cpu.statements > 0 && r.n > 0 {
		fmt.Fprintf(out, ", statements per op %.2f", float64(r.cpu.statements)/float64(r.n))
	}
	fmt.Fprintln(out)
}

type pointsBench struct {
	a      *instance
	o      benchOptions
	run_   string
	ids    []int64
	tokens []string
	staff  string // the points officer's token
	rule   string
	base   string
	// bareLedger and bareAccounts are bareAward's copies of the tables.
	bareLedger, bareAccounts string
	client                   *http.Client
	seq                      atomic.Int64
	cpu                      cpuClock
}

const benchDepartment = "积分基准测试"

func (b *pointsBench) seed(ctx context.Context) error {
	var r [4]byte
	rand.Read(r[:])
	b.run_ = hex.EncodeToString(r[:])
	b.rule = "bench_" + b.run_
	now := time.Now().UTC()
	gdb := b.a.db.WithContext(ctx)
	for start := 0; start < b.o.Residents; start += 500 {
		n := min(500, b.o.Residents-start)
		var q strings.Builder
		args := make([]any, 0, 4*n)
		q.WriteString("INSERT INTO residents (openid, nickname, street, created_at, updated_at) VALUES ")
		for i := range n {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?)")
			args = append(args, fmt.Sprintf("%s%s_%d", benchOpenIDPrefix, b.run_, start+i), "bench", "华富街道", now, now)
		}
		if err := gdb.Exec(q.String(), args...).Error; err != nil {
			return err
		}
	}
	if err := gdb.Table("residents").Where("openid LIKE ?", benchOpenIDPrefix+b.run_+"_%").Order("id").Pluck("id", &b.ids).Error; err != nil {
		return err
	}
	// The bench residents have had points before: their accounts exist.
	for start := 0; start < len(b.ids); start += 500 {
		chunk := b.ids[start:min(start+500, len(b.ids))]
		if err := gdb.Exec(`INSERT INTO point_accounts (resident_id, balance, lifetime_earned, version, created_at, updated_at)
SELECT id, 0, 0, 0, created_at, created_at FROM residents WHERE id IN ?`, chunk).Error; err != nil {
			return err
		}
	}
	for _, id := range b.ids {
		tok, _, err := b.a.Auth.Issue(ctx, auth.Resident, id)
		if err != nil {
			return err
		}
		b.tokens = append(b.tokens, tok)
	}

	dept, err := departmentID(ctx, b.a.Staff, benchDepartment)
	if err != nil {
		return err
	}
	var pw [16]byte
	rand.Read(pw[:])
	m, err := b.a.Staff.Create(ctx, nil, staff.NewMember{
		Username: "bench_points_" + b.run_, Password: hex.EncodeToString(pw[:]), DepartmentID: &dept,
		Roles: []staff.Role{staff.PointsOfficer},
	}, b.a.Residents.Regions().IsStreet)
	if err != nil {
		return err
	}
	if b.staff, _, err = b.a.Auth.Issue(ctx, auth.Staff, m.ID); err != nil {
		return err
	}
	// Caps high enough never to refuse, so the cap counts still run.
	_, _, err = b.a.Points.SaveRule(ctx, nil, points.Rule{
		Code: b.rule, Name: "基准测试", Points: 1, DailyCap: 1000, MonthlyCap: 10000,
		DepartmentID: &dept, Expiry: points.ExpiryEndOfNextYear,
	})
	return err
}

// cleanup removes what the bench made, except audit entries and the staff
// member they name (disabled, its token revoked).
func (b *pointsBench) cleanup(ctx context.Context) error {
	gdb := b.a.db.WithContext(ctx)
	for _, t := range []string{b.bareLedger, b.bareAccounts} {
		if t != "" {
			if err := gdb.Exec("DROP TABLE IF EXISTS " + t).Error; err != nil {
				return err
			}
		}
	}
	ids := b.ids
	for len(ids) > 0 {
		chunk := ids[:min(500, len(ids))]
		ids = ids[len(chunk):]
		for _, t := range []string{"point_transactions", "point_lots", "point_accounts", "point_award_refusals", "redemptions", "point_appeals"} {
			if err := gdb.Exec("DELETE FROM "+t+" WHERE resident_id IN ?", chunk).Error; err != nil {
				return err
			}
		}
		if err := gdb.Exec("DELETE FROM sessions WHERE subject_kind = 'resident' AND subject_id IN ?", chunk).Error; err != nil {
			return err
		}
		if err := gdb.Exec("DELETE FROM residents WHERE id IN ?", chunk).Error; err != nil {
			return err
		}
	}
	if err := gdb.Exec("DELETE FROM point_rule_versions WHERE code = ?", b.rule).Error; err != nil {
		return err
	}
	if err := gdb.Exec("DELETE FROM point_rules WHERE code = ?", b.rule).Error; err != nil {
		return err
	}
	if err := b.a.Auth.Revoke(ctx, b.staff); err != nil {
		return err
	}
	return gdb.Exec("UPDATE staff SET disabled = ? WHERE username = ?", true, "bench_points_"+b.run_).Error
}

// benchResult is what one measured phase saw.
type benchResult struct {
	n         int
	elapsed   time.Duration
	latencies []time.Duration
	cpu       cpuReading // CPU used meanwhile by this process and the database server
}

func (r benchResult) perSecond() float64 { return float64(r.n) / r.elapsed.Seconds() }

// cpuPerOp is the CPU time, in µs, one operation cost this process (the
// bench's clients and the service together) and the database server.
func (r benchResult) cpuPerOp() (self, db float64) {
	if r.n == 0 {
		return 0, 0
	}
	return float64(r.cpu.self.Microseconds()) / float64(r.n), float64(r.cpu.db.Microseconds()) / float64(r.n)
}

func (r benchResult) percentile(p float64) float64 {
	if len(r.latencies) == 0 {
		return 0
	}
	i := min(len(r.latencies)-1, int(float64(len(r.latencies))*p))
	return float64(r.latencies[i].Microseconds()) / 1000
}

// pair measures ops x and y for o.Duration each, alternating in slices.
func (b *pointsBench) pair(ctx context.Context, x, y func(context.Context, *mrand.Rand) error) (rx, ry benchResult, err error) {
	const parts = 5
	for range parts {
		sx, err := b.run(ctx, b.o.Duration/parts, x)
		if err != nil {
			return rx, ry, err
		}
		sy, err := b.run(ctx, b.o.Duration/parts, y)
		if err != nil {
			return rx, ry, err
		}
		rx, ry = rx.add(sx), ry.add(sy)
	}
	slices.Sort(rx.latencies)
	slices.Sort(ry.latencies)
	return rx, ry, nil
}

func (r benchResult) add(o benchResult) benchResult {
	return benchResult{n: r.n + o.n, elapsed: r.elapsed + o.elapsed, latencies: append(r.latencies, o.latencies...),
		cpu: r.cpu.add(o.cpu)}
}

// run calls op from o.Concurrency goroutines for d and collects latencies.
// Any failed operation ends the bench with its error.
func (b *pointsBench) run(ctx context.Context, d time.Duration, op func(ctx context.Context, rng *mrand.Rand) error) (benchResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      []time.Duration
		firstErr error
	)
	cpu0 := b.cpu.read(ctx)
	start := time.Now()
	deadline := start.Add(d)
	for w := range b.o.Concurrency {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(w), uint64(start.UnixNano())))
			lat := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				if err := op(ctx, rng); err != nil {
					mu.Lock()
					if firstErr == nil && ctx.Err() == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					break
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := b.cpu.read(ctx).sub(cpu0)
	if firstErr != nil {
		return benchResult{}, firstErr
	}
	slices.Sort(all)
	return benchResult{n: len(all), elapsed: elapsed, latencies: all, cpu: cpu}, nil
}

func (b *pointsBench) apiAward(ctx context.Context, rng *mrand.Rand) error {
	id := b.ids[rng.IntN(len(b.ids))]
	body := `{"resident_id":"` + strconv.FormatInt(id, 10) + `","rule_code":"` + b.rule +
		`","external_id":"` + b.run_ + "-" + strconv.FormatInt(b.seq.Add(1), 10) + `"}`
	return b.do(ctx, http.MethodPost, "/api/v1/admin/points/awards", b.staff, body, http.StatusCreated)
}

func (b *pointsBench) readAccount(ctx context.Context, rng *mrand.Rand) error {
	return b.do(ctx, http.MethodGet, "/api/v1/points/account", b.tokens[rng.IntN(len(b.tokens))], "", http.StatusOK)
}

func (b *pointsBench) readTrivial(ctx context.Context, rng *mrand.Rand) error {
	return b.do(ctx, http.MethodGet, "/healthz", "", "", http.StatusOK)
}

func (b *pointsBench) do(ctx context.Context, method, path, token, body string, want int) error {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, r)
	if err != nil {
		return err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, buf.String())
	}
	return nil
}

// bareAward is the floor the API is measured against: one plain
// database/sql transaction doing an award's ledger insert plus account
// update, on copies of the ledger and account tables (same columns and
// indexes, no trigger) in the same database.
func (b *pointsBench) bareAward(ctx context.Context, rng *mrand.Rand) error {
	id := b.ids[rng.IntN(len(b.ids))]
	tx, err := db.SQL(b.a.db).BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	idem := b.run_ + "-bare-" + strconv.FormatInt(b.seq.Add(1), 10)
	_, err = tx.ExecContext(ctx, "INSERT INTO "+b.bareLedger+` (resident_id, delta, balance_after, kind, idem, rule_code, reason, created_at)
VALUES (?, 1, 0, 'earn', ?, ?, 'bare', ?)`, id, idem, b.rule, now)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE "+b.bareAccounts+` SET balance = balance + 1, lifetime_earned = lifetime_earned + 1,
version = version + 1, updated_at = ? WHERE resident_id = ?`, now, id); err != nil {
		return err
	}
	return tx.Commit()
}

// createBareTables copies the ledger and account tables' shape (columns
// and indexes, not the trigger) for bareAward, with the bench accounts.
func (b *pointsBench) createBareTables(ctx context.Context) error {
	b.bareLedger, b.bareAccounts = "bench_ledger_"+b.run_, "bench_accounts_"+b.run_
	gdb := b.a.db.WithContext(ctx)
	copies := map[string]string{"point_transactions": b.bareLedger, "point_accounts": b.bareAccounts}
	for from, to := range copies {
		if db.DialectOf(b.a.db) == db.MySQL {
			if err := gdb.Exec("CREATE TABLE " + to + " LIKE " + from).Error; err != nil {
				return err
			}
			continue
		}
		var ddl []string
		if err := gdb.Raw("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC", from).Scan(&ddl).Error; err != nil {
			return err
		}
		for _, stmt := range ddl {
			stmt = strings.Replace(stmt, "INDEX "+from, "INDEX "+to, 1) // index names start with the table's
			stmt = strings.Replace(stmt, "TABLE "+from, "TABLE "+to, 1)
			stmt = strings.Replace(stmt, " ON "+from+" ", " ON "+to+" ", 1)
			if err := gdb.Exec(stmt).Error; err != nil {
				return err
			}
		}
	}
	return gdb.Exec("INSERT INTO "+b.bareAccounts+" SELECT * FROM point_accounts WHERE resident_id IN ?", b.ids).Error
}
