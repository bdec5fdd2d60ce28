//go:build bench

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/wechat"
	"github.com/redis/go-redis/v9"
)

const (
	benchSeedTitle = "bench-seed"
	benchAllTitle  = "bench-all"
	benchTemplate  = "BENCH_TPL"
)

// benchNotify seeds residents and 1,000 published notices, then measures:
// publication of a notice to everyone (approval until it is in every
// inbox) against a bare bulk insert of as many narrow rows, inbox and
// unread-count latency, and WeChat sends per second against the fake at
// the configured rate (IFUTIAN_WECHAT_SEND_RATE).
func benchNotify(ctx context.Context, cfg Config, log *slog.Logger, o benchOptions, out io.Writer) error {
	if o.Residents <= 0 {
		o.Residents = 1_000_000
	}
	gdb, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.SQL(gdb).Close()
	regions, err := residents.LoadRegions()
	if err != nil {
		return err
	}
	svc := notify.New(notify.Deps{DB: gdb, Config: benchNotifyConfig(cfg.Notify, time.Now())})

	// A run stopped before its urgent phase cleaned up leaves that phase's
	// sends queued; urgent ones would be claimed before the sends measured.
	for _, title := range []string{benchUrgentTitle, benchRoutineTitle} {
		if err := benchRemoveAll(ctx, gdb, title); err != nil {
			return err
		}
	}
	began := time.Now()
	if err := benchSeedResidents(ctx, gdb, regions, o.Residents); err != nil {
		return err
	}
	if err := benchSeedNotices(ctx, gdb, svc, regions); err != nil {
		return err
	}
	fmt.Fprintf(out, "notify_seed_s: %.1f\n", time.Since(began).Seconds())

	// Publication of a notice to everyone, with a subscribe message, beside
	// the bare insert of as many rows: a few rounds, each on a settled
	// database, and the medians, so that one round's background work does
	// not decide the ratio.
	const rounds = 3
	var pubs, bares []time.Duration
	// The database's CPU for each, which holds better than the times when
	// other work shares the machine.
	cpu := newCPUClock(ctx, db.SQL(gdb), db.DialectOf(gdb) == db.MySQL)
	var pubCPU, bareCPU []time.Duration
	var targeted int64
	// Consent for the send-rate phase, enough for the whole run, is given
	// again before each round: a publication spends it.
	// With Redis, a second phase sends as long again from two instances.
	phases := 1.5
	if cfg.RedisURL != "" {
		phases = 2.6
	}
	sends := int(float64(cfg.WeChatSendRate)*o.Duration.Seconds()*phases) + 100
	for range rounds {
		// The previous round's (or run's) notice to everyone goes first.
		if err := benchRemoveAll(ctx, gdb, benchAllTitle); err != nil {
			return err
		}
		if err := benchSeedQuotas(ctx, gdb, sends); err != nil {
			return err
		}
		settle(ctx, gdb, log, o.Settle)
		c0 := cpu.read(ctx)
		publish, n, err := benchPublishAll(ctx, gdb, svc)
		if err != nil {
			return err
		}
		pubCPU = append(pubCPU, cpu.read(ctx).sub(c0).db)
		settle(ctx, gdb, log, o.Settle)
		c0 = cpu.read(ctx)
		bare, err := benchBareInsert(ctx, gdb, n)
		if err != nil {
			return err
		}
		bareCPU = append(bareCPU, cpu.read(ctx).sub(c0).db)
		pubs, bares, targeted = append(pubs, publish), append(bares, bare), n
	}
	publish, bare := median(pubs), median(bares)
	fmt.Fprintf(out, "notify_targeted: %d\n", targeted)
	fmt.Fprintf(out, "notify_publish_all_s: %.2f\n", publish.Seconds())
	fmt.Fprintf(out, "notify_bare_insert_s: %.2f\n", bare.Seconds())
	fmt.Fprintf(out, "notify_publish_rounds_s: %s\n", seconds(pubs))
	fmt.Fprintf(out, "notify_bare_rounds_s: %s\n", seconds(bares))
	if src := cpu.source(); src != "none" {
		// The database's CPU for each (publication: the notice's own rows
		// and its sends included, both small): the bench's own user's with
		// userstat (which needs the PROCESS privilege to read), else the
		// whole server's, other clients' work included.
		fmt.Fprintf(out, "notify_publish_db_cpu_s: %.2f (rounds %s, %s)\n", median(pubCPU).Seconds(), seconds(pubCPU), src)
		fmt.Fprintf(out, "notify_bare_db_cpu_s: %.2f (rounds %s, %s)\n", median(bareCPU).Seconds(), seconds(bareCPU), src)
		fmt.Fprintf(out, "notify_publish_db_cpu_ratio: %.2f\n", median(pubCPU).Seconds()/max(median(bareCPU).Seconds(), 1e-3))
	}

	// Inbox reads for random residents.
	settle(ctx, gdb, log, o.Settle)
	var maxID int64
	gdb.WithContext(ctx).Table("residents").Select("COALESCE(MAX(id), 0)").Scan(&maxID)
	if o.Rate <= 0 {
		o.Rate = 1000
	}
	// A second's warm-up opens the connections the rate needs.
	warm := o
	warm.Duration = time.Second
	benchInbox(ctx, svc, maxID, warm)
	inbox, unread := benchInbox(ctx, svc, maxID, o)
	fmt.Fprintf(out, "notify_inbox_rate_per_s: %d\n", o.Rate)
	fmt.Fprintf(out, "notify_inbox_reads: %d\n", len(inbox))
	fmt.Fprintf(out, "notify_inbox_p50_ms: %.2f\n", ms(percentile(inbox, 50)))
	fmt.Fprintf(out, "notify_inbox_p99_ms: %.2f\n", ms(percentile(inbox, 99)))
	fmt.Fprintf(out, "notify_unread_p50_ms: %.2f\n", ms(percentile(unread, 50)))
	fmt.Fprintf(out, "notify_unread_p99_ms: %.2f\n", ms(percentile(unread, 99)))

	gdb.WithContext(ctx).Exec("DELETE FROM notice_send_days")
	rate, err := benchSends(ctx, gdb, svc, cfg.WeChatSendRate, o.Duration)
	if err != nil {
		return err
	}
	if cfg.RedisURL != "" {
		shared, dupes, err := benchSharedSends(ctx, gdb, cfg, o.Duration)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "notify_shared_instances: 2\n")
		fmt.Fprintf(out, "notify_shared_sends_per_s: %.1f\n", shared)
		fmt.Fprintf(out, "notify_shared_duplicates: %d\n", dupes)
		fmt.Fprintf(out, "notify_shared_rate_ratio: %.2f\n", shared/float64(cfg.WeChatSendRate))
	}
	if err := benchUrgent(ctx, gdb, svc, cfg.WeChatSendRate, o.Duration, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "notify_wechat_rate_limit: %d\n", cfg.WeChatSendRate)
	fmt.Fprintf(out, "notify_wechat_sends_per_s: %.1f\n", rate)
	fmt.Fprintf(out, "notify_wechat_rate_ratio: %.2f\n", rate/float64(cfg.WeChatSendRate))
	fmt.Fprintf(out, "notify_publish_ratio: %.2f\n", publish.Seconds()/bare.Seconds())
	return nil
}

// settle waits, up to limit, until MySQL has purged what earlier phases
// deleted and written out most of what they changed, so that each timed
// phase starts on a quiet database rather than paying for the one before.
// SQLite has no such background work.
func settle(ctx context.Context, gdb *gorm.DB, log *slog.Logger, limit time.Duration) {
	if db.DialectOf(gdb) != db.MySQL {
		return
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		var st []struct {
			Name  string `gorm:"column:Variable_name"`
			Value int64  `gorm:"column:Value"`
		}
		err := gdb.WithContext(ctx).Raw(`SHOW GLOBAL STATUS WHERE Variable_name IN
('Innodb_history_list_length', 'Innodb_buffer_pool_pages_dirty', 'Innodb_buffer_pool_pages_total')`).Scan(&st).Error
		if err != nil || len(st) != 3 {
			log.Warn("bench: cannot tell whether MySQL has settled", "err", err)
			return
		}
		v := map[string]int64{}
		for _, s := range st {
			v[s.Name] = s.Value
		}
		if v["Innodb_history_list_length"] < 1000 && v["Innodb_buffer_pool_pages_dirty"]*20 < v["Innodb_buffer_pool_pages_total"] {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// benchRemoveAll deletes the bench's notices to everyone of a title and
// what they made.
func benchRemoveAll(ctx context.Context, gdb *gorm.DB, title string) error {
	var old []int64
	gdb.WithContext(ctx).Table("notices").Where("title = ?", title).Pluck("id", &old)
	for _, id := range old {
		for _, t := range []string{"notice_recipients", "notice_sends", "notice_events"} {
			if err := gdb.WithContext(ctx).Exec("DELETE FROM "+t+" WHERE notice_id = ?", id).Error; err != nil {
				return err
			}
		}
		if err := gdb.WithContext(ctx).Exec("DELETE FROM notices WHERE id = ?", id).Error; err != nil {
			return err
		}
	}
	return nil
}

// benchPublishAll approves a routine notice to everyone with a subscribe
// message and times its publication; it returns the time and how many it
// reached.
func benchPublishAll(ctx context.Context, gdb *gorm.DB, svc *notify.Service) (time.Duration, int64, error) {
	return benchPublish(ctx, gdb, svc, benchAllTitle, "policy", benchTemplate)
}

// benchPublish approves a notice of category to everyone with a subscribe
// message of template and times its publication.
func benchPublish(ctx context.Context, gdb *gorm.DB, svc *notify.Service, title, category, template string) (time.Duration, int64, error) {
	now := time.Now().UTC()
	n := map[string]any{
		"title": title, "body": "全体居民通知", "category": category, "audience": "{}",
		"publish_at": now, "require_ack": false, "subscribe_template_id": template,
		"subscribe_data": `{"thing1":"测试"}`, "subscribe_page": "", "status": notify.StatusApproved,
		"created_at": now, "updated_at": now,
	}
	if err := gdb.WithContext(ctx).Table("notices").Create(n).Error; err != nil {
		return 0, 0, fmt.Errorf("bench notice: %w", err)
	}
	start := time.Now()
	if _, err := svc.PublishDue(ctx); err != nil {
		return 0, 0, err
	}
	elapsed := time.Since(start)
	var targeted int64
	err := gdb.WithContext(ctx).Table("notices").Where("title = ?", title).Order("id DESC").Limit(1).Pluck("targeted", &targeted).Error
	return elapsed, targeted, err
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func seconds(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(parts, " ")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, len(ds)*p/100)]
}

// benchSeedResidents adds bench residents until there are want of them.
func benchSeedResidents(ctx context.Context, gdb *gorm.DB, regions *residents.Regions, want int) error {
	var have int64
	err := gdb.WithContext(ctx).Table("residents").Where("openid LIKE ?", benchOpenIDPrefix+"%").Count(&have).Error
	if err != nil {
		return err
	}
	type place struct{ street, community string }
	var places []place
	for _, st := range regions.Streets {
		for _, c := range st.Communities {
			places = append(places, place{st.Name, c})
		}
	}
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	const batch = 2000
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for from := int(have); from < want; from += batch {
		g.Go(func() error {
			var b strings.Builder
			b.WriteString("INSERT INTO residents (openid, street, community, birth_year, created_at, updated_at) VALUES ")
			for i := from; i < min(from+batch, want); i++ {
				if i > from {
					b.WriteByte(',')
				}
				p := places[i%len(places)]
				fmt.Fprintf(&b, "('%s%d','%s','%s',%d,'%s','%s')", benchOpenIDPrefix, i, p.street, p.community, 1940+(i*7919)%68, now, now)
			}
			return gdb.WithContext(gctx).Exec(b.String()).Error
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("seed residents: %w", err)
	}
	return nil
}

// benchSeedNotices publishes 1,000 notices, as departments would: most to
// an age group of one community, some to older residents of a street.
func benchSeedNotices(ctx context.Context, gdb *gorm.DB, svc *notify.Service, regions *residents.Regions) error {
	var have int64
	gdb.WithContext(ctx).Table("notices").Where("title = ?", benchSeedTitle).Count(&have)
	var communities []string
	for _, st := range regions.Streets {
		communities = append(communities, st.Communities...)
	}
	now := time.Now().UTC()
	for i := int(have); i < 1000; i++ {
		// e.g. a vaccination notice to one community's residents of 60–62.
		lo, hi := 50+i%30, 52+i%30
		a := notify.Audience{Communities: []string{communities[i%len(communities)]}, AgeMin: &lo, AgeMax: &hi}
		if i%100 == 0 {
			a = notify.Audience{Streets: []string{regions.Streets[(i/100)%len(regions.Streets)].Name}, AgeMin: &lo}
		}
		n := &notify.Notice{Title: benchSeedTitle, Body: "通知正文", Category: "health", Audience: a,
			PublishAt: &now, Status: notify.StatusApproved, CreatedAt: now, UpdatedAt: now}
		if err := gdb.WithContext(ctx).Create(n).Error; err != nil {
			return fmt.Errorf("seed notice: %w", err)
		}
	}
	for {
		k, err := svc.PublishDue(ctx)
		if err != nil {
			return err
		}
		if k == 0 {
			return nil
		}
	}
}

// benchSeedQuotas gives the first k bench residents one consent each for
// the bench template.
func benchSeedQuotas(ctx context.Context, gdb *gorm.DB, k int) error {
	now := time.Now().UTC()
	g := gdb.WithContext(ctx)
	if err := g.Exec("DELETE FROM subscription_quotas WHERE template_id = ?", benchTemplate).Error; err != nil {
		return err
	}
	var first int64
	g.Table("residents").Where("openid LIKE ?", benchOpenIDPrefix+"%").Select("COALESCE(MIN(id), 0)").Scan(&first)
	return g.Exec(`INSERT INTO subscription_quotas (resident_id, template_id, remaining, spent_notice, updated_at)
		SELECT id, ?, 1, 0, ? FROM residents WHERE id >= ? AND id < ? AND openid LIKE ?`,
		benchTemplate, now, first, first+int64(k), benchOpenIDPrefix+"%").Error
}

// benchBareInsert times the plain way to put n narrow rows in the
// database: one INSERT … SELECT into a table with only a primary key.
func benchBareInsert(ctx context.Context, gdb *gorm.DB, n int64) (time.Duration, error) {
	g := gdb.WithContext(ctx)
	g.Exec("DROP TABLE IF EXISTS bench_bare")
	if err := g.Exec("CREATE TABLE bench_bare (a BIGINT NOT NULL, b BIGINT NOT NULL, PRIMARY KEY (a, b))").Error; err != nil {
		return 0, err
	}
	defer g.Exec("DROP TABLE bench_bare")
	start := time.Now()
	err := g.Transaction(func(tx *gorm.DB) error {
		return tx.Exec("INSERT INTO bench_bare (a, b) SELECT 1, id FROM residents ORDER BY id LIMIT ?", n).Error
	})
	return time.Since(start), err
}

// benchInbox reads an inbox page, then the unread count, of random
// residents, starting o.Rate such reads a second for o.Duration: an open
// loop, as residents arrive independently of each other. The page's
// latency counts from when its read was due, not from when a worker got to
// it, so a stall shows in the percentiles instead of slowing the arrivals.
// (A closed loop of N clients on two cores that also run the database
// measures the scheduler's queue: N / throughput, whatever the queries
// cost.)
func benchInbox(ctx context.Context, svc *notify.Service, maxID int64, o benchOptions) (inbox, unread []time.Duration) {
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	slots := make(chan struct{}, 512) // at most this many reads in flight
	start := time.Now()
	interval := time.Second / time.Duration(max(o.Rate, 1))
	for due := start; due.Before(start.Add(o.Duration)) && ctx.Err() == nil; due = due.Add(interval) {
		time.Sleep(time.Until(due))
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			id := 1 + rand.Int64N(max(maxID, 1))
			if _, _, err := svc.Inbox(ctx, id, notify.InboxFilter{Limit: 20}); err != nil {
				return
			}
			li := time.Since(due)
			t := time.Now()
			if _, err := svc.UnreadCount(ctx, id); err != nil {
				return
			}
			lu := time.Since(t)
			mu.Lock()
			inbox, unread = append(inbox, li), append(unread, lu)
			mu.Unlock()
		})
	}
	wg.Wait()
	return inbox, unread
}

// benchSends delivers the queued bench sends to an in-process fake WeChat
// at the configured rate for d and returns the sends per second achieved.
func benchSends(ctx context.Context, gdb *gorm.DB, svc *notify.Service, rate int, d time.Duration) (float64, error) {
	fake, _, stop, err := wechat.StartLocalFake(5 * time.Second)
	if err != nil {
		return 0, err
	}
	defer stop(context.Background())
	client := wechat.New(wechat.Config{AppID: "wxbench", AppSecret: "bench"})
	// Warm the access token so the first batch doesn't pay for it.
	_ = client.SendSubscribe(ctx, wechat.Message{OpenID: "warmup", TemplateID: "warmup"})
	dctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	dl := svc.NewDeliverer(client, notify.DeliveryConfig{Rate: float64(rate), Idle: 10 * time.Millisecond})
	runTask(dctx, task{Name: "bench.deliver", Interval: dl.Idle(), Drain: true, Run: dl.DeliverOnce}, slog.New(slog.DiscardHandler), nil)
	elapsed := time.Since(start)
	n := 0
	for _, m := range fake.Messages() {
		if m.TemplateID == benchTemplate {
			n++
		}
	}
	return float64(n) / elapsed.Seconds(), nil
}

// benchSharedSends delivers the queued bench sends from two instances at
// once (each its own notify service, deliverer and WeChat client, as two
// processes would be), sharing the configured rate through Redis as serve
// does (IFUTIAN_REDIS_URL), for d. It returns the sends per second of both
// together and how many residents got the bench's message more than once
// (0: a send claimed by one instance is never sent by the other).
func benchSharedSends(ctx context.Context, gdb *gorm.DB, cfg Config, d time.Duration) (float64, int, error) {
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return 0, 0, fmt.Errorf("IFUTIAN_REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	limiter := ratelimit.NewRedis(rdb, cfg.RedisPrefix+"rl:bench:")
	sendRate := ratelimit.PerSecond(cfg.WeChatSendRate)
	gate := func(ctx context.Context, n int) (int, error) {
		return ratelimit.WaitUpTo(ctx, limiter, "wechat:send", sendRate, n)
	}

	fake, _, stop, err := wechat.StartLocalFake(5 * time.Second)
	if err != nil {
		return 0, 0, err
	}
	defer stop(context.Background())
	dctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var g errgroup.Group
	start := time.Now()
	for i := range 2 {
		svc := notify.New(notify.Deps{DB: gdb, Config: benchNotifyConfig(cfg.Notify, time.Now())})
		client := wechat.New(wechat.Config{AppID: "wxbench", AppSecret: "bench"})
		_ = client.SendSubscribe(ctx, wechat.Message{OpenID: "warmup", TemplateID: "warmup"})
		dl := svc.NewDeliverer(client, notify.DeliveryConfig{Rate: float64(cfg.WeChatSendRate), Idle: 10 * time.Millisecond, Gate: gate})
		g.Go(func() error {
			runTask(dctx, task{Name: fmt.Sprintf("bench.deliver.%d", i), Interval: dl.Idle(), Drain: true, Run: dl.DeliverOnce}, slog.New(slog.DiscardHandler), nil)
			return nil
		})
	}
	g.Wait()
	elapsed := time.Since(start)
	seen := map[string]int{}
	n, dupes := 0, 0
	for _, m := range fake.Messages() {
		if m.TemplateID != benchTemplate {
			continue
		}
		n++
		if seen[m.OpenID]++; seen[m.OpenID] == 2 {
			dupes++
		}
	}
	return float64(n) / elapsed.Seconds(), dupes, nil
}
