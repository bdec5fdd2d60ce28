//go:build bench

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// benchActivities measures, against the configured database and in one
// run, a sign-up rush and a check-in wave at one venue:
//   - every bench resident signs up at once (o.Concurrency clients, real
//     HTTP on loopback) for one activity with places for a quarter of
//     them, beside the same number of bare INSERTs of a sign-up row into
//     a copy of the sign-up table with the same concurrency; three rounds,
//     each with a new activity, alternating, medians compared;
//   - the confirmed residents then all scan the door's check-in code, and
//     then, with the activities' clock two hours on, its check-out code
//     (which credits and grants points).
//
// Each round checks that exactly the capacity was confirmed and the rest
// wait, and the points ledger is reconciled at the end. It seeds its own
// residents, department, staff and rule, and removes them afterwards
// (audit entries stay: the audit log is append-only).
func benchActivities(ctx context.Context, cfg Config, log *slog.Logger, o benchOptions, out io.Writer) error {
	if o.Residents <= 0 {
		o.Residents = 2000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	quiet := cfg
	quiet.LogLevel = slog.LevelWarn
	a, err := build(ctx, quiet, newLogger(quiet, io.Discard))
	if err != nil {
		return err
	}
	defer a.close()

	b := &activityBench{a: a, o: o, capacity: max(o.Residents/4, 1)}
	if err := b.seed(ctx); err != nil {
		return fmt.Errorf("bench activities: seed: %w", err)
	}
	defer func() {
		if err := b.cleanup(context.WithoutCancel(ctx)); err != nil {
			log.Error("bench activities: cleanup failed", "err", err)
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
	b.client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 4 * o.Concurrency, MaxIdleConnsPerHost: 4 * o.Concurrency, IdleConnTimeout: time.Minute,
	}}

	fmt.Fprintf(out, "# activities bench: db=%s residents=%d capacity=%d concurrency=%d rounds=3\n", dbKind(cfg.DB), o.Residents, b.capacity, o.Concurrency)
	var apiRates, bareRates []float64
	var api benchResult
	var last string
	for round := range 3 {
		id, err := b.createActivity(ctx, round)
		if err != nil {
			return err
		}
		last = id
		r, err := b.wave(ctx, b.residentsOrder(), func(ctx context.Context, i int) error {
			return b.do(ctx, http.MethodPost, "/api/v1/activities/"+id+"/signup", b.tokens[i], "", http.StatusCreated, nil)
		})
		if err != nil {
			return fmt.Errorf("bench activities: sign-up rush: %w", err)
		}
		if err := b.checkExact(ctx, id); err != nil {
			return err
		}
		bare, err := b.wave(ctx, b.residentsOrder(), func(ctx context.Context, i int) error { return b.bareSignup(ctx, round, i) })
		if err != nil {
			return fmt.Errorf("bench activities: bare inserts: %w", err)
		}
		apiRates, bareRates = append(apiRates, r.perSecond()), append(bareRates, bare.perSecond())
		api = api.add(r)
	}
	slices.Sort(api.latencies)
	fmt.Fprintf(out, "# rounds: api %s, bare %s sign-ups/s\n", rates(apiRates), rates(bareRates))
	fmt.Fprintf(out, "signup_api_per_s: %.0f\n", medianRate(apiRates))
	fmt.Fprintf(out, "signup_p50_ms: %.1f\n", api.percentile(0.50))
	fmt.Fprintf(out, "signup_p99_ms: %.1f\n", api.percentile(0.99))
	fmt.Fprintf(out, "signup_bare_per_s: %.0f\n", medianRate(bareRates))

	// The door of the last round's activity: every confirmed resident
	// scans the check-in code, then the check-out code.
	var confirmed []int
	for i, id := range b.ids {
		var st string
		if err := a.db.WithContext(ctx).Table("activity_signups").Where("activity_id = ? AND resident_id = ?", last, id).Pluck("status", &st).Error; err != nil {
			return err
		}
		if st == activities.Confirmed {
			confirmed = append(confirmed, i)
		}
	}
	for _, action := range []string{activities.CheckIn, activities.CheckOut} {
		if action == activities.CheckOut {
			// Points follow the time present: the services' clock moves on
			// to two hours into the activity, as if everyone had stayed.
			a.clock.Add(2*time.Hour + 15*time.Minute)
			defer a.clock.Reset()
		}
		var vc struct {
			Code string `json:"code"`
		}
		if err := b.do(ctx, http.MethodGet, "/api/v1/admin/activities/"+last+"/venue-code?action="+action, b.staff, "", http.StatusOK, &vc); err != nil {
			return err
		}
		body := `{"code":"` + vc.Code + `"}`
		r, err := b.wave(ctx, confirmed, func(ctx context.Context, i int) error {
			return b.do(ctx, http.MethodPost, "/api/v1/activities/scan", b.tokens[i], body, http.StatusCreated, nil)
		})
		if err != nil {
			return fmt.Errorf("bench activities: %s wave: %w", action, err)
		}
		name := strings.ReplaceAll(action, "_", "")
		fmt.Fprintf(out, "%s_per_s: %.0f\n", name, r.perSecond())
		fmt.Fprintf(out, "%s_p99_ms: %.1f\n", name, r.percentile(0.99))
	}
	var granted int64
	if err := a.db.WithContext(ctx).Table("activity_signups").Where("activity_id = ? AND points_status = ?", last, activities.PointsGranted).Count(&granted).Error; err != nil {
		return err
	}
	if int(granted) != len(confirmed) {
		return fmt.Errorf("bench activities: %d grants for %d check-outs", granted, len(confirmed))
	}
	bad, checked, err := a.Points.Reconcile(ctx)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("bench activities: reconcile found %d mismatches in %d accounts, first: %v", len(bad), checked, bad[0])
	}
	fmt.Fprintf(out, "signup_ratio: %.2f\n", medianRate(apiRates)/medianRate(bareRates))
	return nil
}

type activityBench struct {
	a        *instance
	o        benchOptions
	capacity int
	run      string
	ids      []int64
	tokens   []string
	staffID  int64
	staff    string // an editor's token
	rule     string
	bare     string // the bare copy of activity_signups
	acts     []string
	base     string
	client   *http.Client
}

const benchActivitiesDepartment = "活动基准测试"

func (b *activityBench) seed(ctx context.Context) error {
	var r [4]byte
	rand.Read(r[:])
	b.run = hex.EncodeToString(r[:])
	b.rule = "bench_act_" + b.run
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
			args = append(args, fmt.Sprintf("%sact_%s_%d", benchOpenIDPrefix, b.run, start+i), "bench", "华富街道", now, now)
		}
		if err := gdb.Exec(q.String(), args...).Error; err != nil {
			return err
		}
	}
	if err := gdb.Table("residents").Where("openid LIKE ?", benchOpenIDPrefix+"act_"+b.run+"_%").Order("id").Pluck("id", &b.ids).Error; err != nil {
		return err
	}
	for _, id := range b.ids {
		tok, _, err := b.a.Auth.Issue(ctx, auth.Resident, id)
		if err != nil {
			return err
		}
		b.tokens = append(b.tokens, tok)
	}
	dept, err := departmentID(ctx, b.a.Staff, benchActivitiesDepartment)
	if err != nil {
		return err
	}
	var pw [16]byte
	rand.Read(pw[:])
	m, err := b.a.Staff.Create(ctx, nil, staff.NewMember{
		Username: "bench_act_" + b.run, Password: hex.EncodeToString(pw[:]), DepartmentID: &dept,
		Roles: []staff.Role{staff.Editor},
	}, b.a.Residents.Regions().IsStreet)
	if err != nil {
		return err
	}
	b.staffID = m.ID
	if b.staff, _, err = b.a.Auth.Issue(ctx, auth.Staff, m.ID); err != nil {
		return err
	}
	if _, _, err := b.a.Points.SaveRule(ctx, nil, points.Rule{
		Code: b.rule, Name: "活动基准测试", Points: 1, DailyCap: 1000, MonthlyCap: 10000, DepartmentID: &dept, Expiry: points.ExpiryEndOfNextYear,
	}); err != nil {
		return err
	}
	return b.createBare(ctx)
}

// createActivity publishes the round's activity: starting in ten minutes
// (so check-in is open), sign-up until the start.
func (b *activityBench) createActivity(ctx context.Context, round int) (string, error) {
	start := time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	end := time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
	body, _ := json.Marshal(map[string]any{
		"kind": "volunteer", "title": fmt.Sprintf("基准测试活动 %s-%d", b.run, round), "place": "华富街道党群服务中心",
		"street": "华富街道", "starts_at": start, "ends_at": end, "capacity": b.capacity, "waitlist": true,
		"points_rule": b.rule, "hours": 2,
	})
	var act struct {
		ID string `json:"id"`
	}
	if err := b.do(ctx, http.MethodPost, "/api/v1/admin/activities", b.staff, string(body), http.StatusCreated, &act); err != nil {
		return "", err
	}
	b.acts = append(b.acts, act.ID)
	return act.ID, b.do(ctx, http.MethodPost, "/api/v1/admin/activities/"+act.ID+"/publish", b.staff, "", http.StatusOK, nil)
}

// checkExact checks that a rush confirmed exactly the capacity and put
// everyone else on the waiting list.
func (b *activityBench) checkExact(ctx context.Context, id string) error {
	var rows []struct {
		Status string
		N      int
	}
	if err := b.a.db.WithContext(ctx).Table("activity_signups").Select("status, COUNT(*) AS n").Where("activity_id = ?", id).Group("status").Scan(&rows).Error; err != nil {
		return err
	}
	got := map[string]int{}
	for _, r := range rows {
		got[r.Status] = r.N
	}
	if got[activities.Confirmed] != b.capacity || got[activities.Waiting] != len(b.ids)-b.capacity {
		return fmt.Errorf("bench activities: the rush gave %v, want %d confirmed and %d waiting", got, b.capacity, len(b.ids)-b.capacity)
	}
	return nil
}

// residentsOrder is every resident's index.
func (b *activityBench) residentsOrder() []int {
	idx := make([]int, len(b.ids))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// wave runs op once for each of items, from o.Concurrency goroutines, and
// measures it. Any failure ends the wave with its error.
func (b *activityBench) wave(ctx context.Context, items []int, op func(context.Context, int) error) (benchResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      = make([]time.Duration, 0, len(items))
		firstErr error
	)
	start := time.Now()
	for range b.o.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= len(items) {
					return
				}
				t0 := time.Now()
				err := op(ctx, items[k])
				d := time.Since(t0)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				all = append(all, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return benchResult{}, firstErr
	}
	elapsed := time.Since(start)
	slices.Sort(all)
	return benchResult{n: len(all), elapsed: elapsed, latencies: all}, nil
}

// bareSignup is the floor a sign-up is measured against: one INSERT of a
// sign-up row into a copy of the table (same columns and indexes).
func (b *activityBench) bareSignup(ctx context.Context, round, i int) error {
	now := time.Now().UTC()
	_, err := db.SQL(b.a.db).ExecContext(ctx, "INSERT INTO "+b.bare+` (activity_id, resident_id, status, created_at, updated_at)
VALUES (?, ?, 'confirmed', ?, ?)`, -1-round, b.ids[i], now, now)
	return err
}

// createBare copies activity_signups' shape (columns and indexes, no
// foreign keys) for bareSignup.
func (b *activityBench) createBare(ctx context.Context) error {
	b.bare = "bench_signups_" + b.run
	gdb := b.a.db.WithContext(ctx)
	if db.DialectOf(b.a.db) == db.MySQL {
		return gdb.Exec("CREATE TABLE " + b.bare + " LIKE activity_signups").Error
	}
	var ddl []string
	if err := gdb.Raw("SELECT sql FROM sqlite_master WHERE tbl_name = 'activity_signups' AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC").Scan(&ddl).Error; err != nil {
		return err
	}
	for _, stmt := range ddl {
		stmt = strings.Replace(stmt, "INDEX activity_signups", "INDEX "+b.bare, 1)
		stmt = strings.Replace(stmt, "TABLE activity_signups", "TABLE "+b.bare, 1)
		stmt = strings.Replace(stmt, " ON activity_signups ", " ON "+b.bare+" ", 1)
		stmt = strings.NewReplacer("REFERENCES activities (id)", "", "REFERENCES residents (id)", "").Replace(stmt)
		if err := gdb.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

func (b *activityBench) do(ctx context.Context, method, path, token, body string, want int, out any) error {
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
	req.Header.Set("Authorization", "Bearer "+token)
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
	if out != nil {
		return json.Unmarshal(buf.Bytes(), out)
	}
	return nil
}

// cleanup removes what the bench made, except audit entries and the staff
// member they name (disabled, its token revoked).
func (b *activityBench) cleanup(ctx context.Context) error {
	gdb := b.a.db.WithContext(ctx)
	if b.bare != "" {
		if err := gdb.Exec("DROP TABLE IF EXISTS " + b.bare).Error; err != nil {
			return err
		}
	}
	if len(b.acts) > 0 {
		for _, t := range []string{"volunteer_hours", "activity_signups"} {
			if err := gdb.Exec("DELETE FROM "+t+" WHERE activity_id IN ?", b.acts).Error; err != nil {
				return err
			}
		}
		if err := gdb.Exec("DELETE FROM activities WHERE id IN ?", b.acts).Error; err != nil {
			return err
		}
	}
	ids := b.ids
	for len(ids) > 0 {
		chunk := ids[:min(500, len(ids))]
		ids = ids[len(chunk):]
		for _, t := range []string{"point_transactions", "point_lots", "point_accounts", "point_award_refusals"} {
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
	for _, t := range []string{"point_rule_versions", "point_rules"} {
		if err := gdb.Exec("DELETE FROM "+t+" WHERE code = ?", b.rule).Error; err != nil {
			return err
		}
	}
	if b.staff != "" {
		if err := b.a.Auth.Revoke(ctx, b.staff); err != nil {
			return err
		}
	}
	return gdb.Exec("UPDATE staff SET disabled = ? WHERE id = ?", true, b.staffID).Error
}

func medianRate(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func rates(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strings.Join(parts, ", ")
}
