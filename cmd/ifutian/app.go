package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
	"gorm.io/gorm"

	"github.com/futian/ifutian/api"
	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/migrations"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/wechat"
)

// instance is the wired process: every dependency built once, here.
type instance struct {
	cfg    Config
	log    *slog.Logger
	db     *gorm.DB
	redis  *redis.Client
	wechat *wechat.Client
	fake   *wechat.Fake // the built-in fake WeChat, if used
	*app.Services
	api *api.Server
	// tasks are the background work serve runs until shutdown.
	tasks       []task
	taskMetrics *taskMetrics
	ops         *opsMetrics // sends, backups, the configuration
	closers     []func() error
	// clock is every service's clock: real time, except while the seed or
	// the bench moves it.
	clock *clock.Adjustable
	// mediaBase is where WeChat fetches the photos it checks: the public
	// URL, or the listening address serve sets before it serves.
	mediaBase atomic.Pointer[string]
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB opens the configured database and applies the migrations.
func openDB(ctx context.Context, cfg Config, log *slog.Logger) (*gorm.DB, error) {
	gdb, dialect, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	applied, err := migrations.Up(ctx, db.SQL(gdb), string(dialect))
	if err != nil {
		db.SQL(gdb).Close()
		return nil, err
	}
	for _, m := range applied {
		log.Info("migration applied", "file", m)
	}
	return gdb, nil
}

// dataKey returns the key that seals personal data. Without
// IFUTIAN_DATA_KEY a development key is kept beside the SQLite file; on
// MySQL the key is required, since losing it loses every phone number.
func dataKey(cfg Config, log *slog.Logger) ([]byte, error) {
	if cfg.DataKeyBytes != nil {
		return cfg.DataKeyBytes, nil
	}
	path, ok := strings.CutPrefix(cfg.DB, "sqlite:")
	if !ok {
		return nil, errors.New("IFUTIAN_DATA_KEY is required with MySQL (32 random bytes in base64, e.g. `openssl rand -base64 32`)")
	}
	keyPath := path + ".key"
	k, created, err := pii.LoadOrCreateKeyFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("development data key %s: %w", keyPath, err)
	}
	if created {
		log.Warn("IFUTIAN_DATA_KEY not set: generated a development key; set IFUTIAN_DATA_KEY in production", "file", filepath.Clean(keyPath))
	}
	return k, nil
}

// memberCodeKey returns the key member codes and venue codes are signed
// with. Without IFUTIAN_MEMBER_CODE_KEY (SQLite only; loadConfig requires
// it with MySQL) a development key is kept beside the SQLite file.
func memberCodeKey(cfg Config, log *slog.Logger) ([]byte, error) {
	if cfg.MemberCodeKey != nil {
		return cfg.MemberCodeKey, nil
	}
	path, ok := strings.CutPrefix(cfg.DB, "sqlite:")
	if !ok {
		return nil, errors.New("IFUTIAN_MEMBER_CODE_KEY is required with MySQL")
	}
	keyPath := path + ".member-code.key"
	k, created, err := pii.LoadOrCreateKeyFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("development member code key %s: %w", keyPath, err)
	}
	if created {
		log.Warn("IFUTIAN_MEMBER_CODE_KEY not set: generated a development key; set IFUTIAN_MEMBER_CODE_KEY in production", "file", filepath.Clean(keyPath))
	}
	return k, nil
}

// build wires the whole service. The caller must call close.
func build(ctx context.Context, cfg Config, log *slog.Logger) (a *instance, err error) {
	a = &instance{cfg: cfg, log: log, clock: &clock.Adjustable{}}
	a.mediaBase.Store(&cfg.PublicURL)
	built := a // the error returns below set a to nil
	defer func() {
		if err != nil {
			built.close()
		}
	}()
	if a.db, err = openDB(ctx, cfg, log); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, db.SQL(a.db).Close)

	var limiter ratelimit.Limiter = ratelimit.NewMemory()
	// sendGate keeps every process together to IFUTIAN_WECHAT_SEND_RATE;
	// without Redis each process keeps to it alone.
	var sendGate func(context.Context, int) (int, error)
	var tokenCache cache.Cache
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("IFUTIAN_REDIS_URL: %w", err)
		}
		a.redis = redis.NewClient(opts)
		a.closers = append(a.closers, a.redis.Close)
		if err := a.redis.Ping(ctx).Err(); err != nil {
			return nil, fmt.Errorf("connect to Redis at %s: %w", opts.Addr, err)
		}
		limiter = ratelimit.NewRedis(a.redis, cfg.RedisPrefix+"rl:")
		tokenCache = wechat.NewRedisCache(a.redis)
		sendRate := ratelimit.PerSecond(cfg.WeChatSendRate)
		sendGate = func(ctx context.Context, n int) (int, error) {
			return ratelimit.WaitUpTo(ctx, limiter, "wechat:send", sendRate, n)
		}
	}

	if err := a.startWeChat(ctx, tokenCache); err != nil {
		return nil, err
	}

	key, err := dataKey(cfg, log)
	if err != nil {
		return nil, err
	}
	box, err := pii.New(key)
	if err != nil {
		return nil, err
	}
	regions, err := residents.LoadRegions()
	if err != nil {
		return nil, err
	}
	codeKey, err := memberCodeKey(cfg, log)
	if err != nil {
		return nil, err
	}

	store, err := openStore(ctx, cfg.RequestsConfig)
	if err != nil {
		return nil, err
	}
	var metrics *prometheus.Registry
	if cfg.Metrics {
		metrics = prometheus.NewRegistry()
	}
	a.taskMetrics = newTaskMetrics(metrics)
	a.ops = newOpsMetrics(metrics)
	a.ops.checkConfig(cfg)
	a.Services = app.New(app.Deps{
		DB: a.db, Box: box, Regions: regions,
		ResidentTokenTTL: cfg.ResidentTokenTTL, StaffTokenTTL: cfg.StaffTokenTTL, MemberCodeKey: codeKey, Store: store,
		// One limiter for every picture decoded in this process: request
		// photos and avatars wait for the same memory.
		Media: media.NewDefaultLimiter(), PublicURL: cfg.PublicURL,
		JobOutcomes: a.taskMetrics.jobOutcome, Notify: cfg.Notify, ReferralWindowDays: cfg.ReferralDays,
		// Photos are checked once WeChat can fetch them: at
		// IFUTIAN_PUBLIC_URL, or (built-in fake) at the listening address,
		// set by serve.
		Checker: a.wechat, MediaBase: func() string { return *a.mediaBase.Load() },
		Levels: cfg.Levels, LevelNames: cfg.LevelNames, PolicyVersion: cfg.PolicyVersion, Now: a.clock.Now,
	})
	// What a superadmin stored applies over the environment from the start.
	if err := a.Settings.Refresh(ctx); err != nil {
		log.Warn("settings", "err", err)
	}
	// The streets the audiences of notices and surveys written before they
	// were recorded reach (migration 41), by which street-limited lists
	// filter and count; the task audiences.reach fills those an instance of
	// the previous release writes during an upgrade.
	if _, err := a.fillReach(ctx); err != nil {
		return nil, err
	}
	wechatDeliverer := a.Notify.NewDeliverer(a.wechat, notify.DeliveryConfig{
		Rate: float64(cfg.WeChatSendRate), Lease: max(cfg.WeChatSendLease, 2*cfg.WeChatTimeout+time.Second),
		CallTimeout: cfg.WeChatTimeout, Backoff: cfg.WeChatSendBackoff, Gate: sendGate,
		Outcome: a.ops.sendOutcome,
	})
	smsDeliverer, err := a.smsDeliverer(box, limiter)
	if err != nil {
		return nil, err
	}
	a.tasks = a.backgroundTasks(wechatDeliverer, smsDeliverer)

	if metrics != nil {
		// Every kind's outcomes exist from the start, at 0, for rate() and alerts.
		for _, k := range a.Jobs.Kinds() {
			for _, o := range []string{"done", "retry", "failed"} {
				a.taskMetrics.jobs.WithLabelValues(k, o)
			}
		}
		metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
			collectors.NewDBStatsCollector(db.SQL(a.db), "main"), newJobsCollector(a.Jobs), newBacklogCollector(a))
	}
	a.api, err = api.New(api.Config{
		Services: a.Services, Log: log, WeChat: a.wechat, VerifyTemplates: true, PushToken: cfg.PushToken,
		Limiter: limiter, Metrics: metrics, OpsToken: cfg.OpsToken, DisableDocs: !cfg.Docs, TrustedProxies: cfg.TrustedProxies,
		Ready: func(ctx context.Context) error { return db.SQL(a.db).PingContext(ctx) },
	})
	if err != nil {
		return nil, err
	}
	if cfg.BootstrapPassword != "" {
		created, err := a.Staff.Bootstrap(ctx, cfg.BootstrapPassword)
		if err != nil {
			return nil, fmt.Errorf("bootstrap admin: %w", err)
		}
		if created {
			log.Info("created superadmin", "username", "admin")
		}
	}
	return a, nil
}

// startWeChat points the SDK at WeChat, at IFUTIAN_WECHAT_URL, or at a
// built-in fake started on a loopback port.
func (a *instance) startWeChat(ctx context.Context, tokenCache cache.Cache) error {
	cfg := a.cfg
	appID, secret := cfg.WeChatAppID, cfg.WeChatSecret
	switch {
	case cfg.FakeWeChat():
		fake, url, stop, err := wechat.StartLocalFake(cfg.WeChatTimeout)
		if err != nil {
			return err
		}
		a.fake = fake
		a.closers = append(a.closers, func() error { return stop(context.Background()) })
		a.log.Info("no WeChat credentials: using the built-in fake WeChat", "url", url)
	default:
		wechat.InstallHTTPClient(cfg.WeChatURL, cfg.WeChatTimeout)
	}
	if cfg.FakeWeChat() || (cfg.WeChatURL != "" && appID == "") {
		appID, secret = "wxfake0000000000", "fake-secret"
	}
	a.wechat = wechat.New(wechat.Config{AppID: appID, AppSecret: secret, Cache: tokenCache})
	return nil
}

func (a *instance) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}
