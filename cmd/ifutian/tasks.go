package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/settings"
	"github.com/futian/ifutian/surveys"
)

// task is one piece of periodic background work. Every task serve runs is
// registered in tasks (below) and run by runTasks the same way: at start,
// then every Interval, with the same logging, metrics and graceful stop.
type task struct {
	Name     string
	Interval time.Duration
	// Run does one round and says how much it did (sends, jobs, rows).
	Run func(ctx context.Context) (done int, err error)
	// Drain: a round that did something is followed at once by another
	// (queues), instead of after Interval.
	Drain bool
	// Wake, if not nil, starts a round before Interval has passed (an
	// approval in this process, a request that needs a content check).
	Wake <-chan struct{}
}

// backgroundTasks lists the background work of the process: the one place
// where periodic work is registered.
func (a *instance) backgroundTasks(wechat, sms *notify.Deliverer) []task {
	ts := []task{
		{Name: "jobs", Interval: time.Second, Drain: true, Run: a.Jobs.Work},
		{Name: "jobs.prune", Interval: time.Hour, Run: a.Jobs.Prune},
		// Settings a superadmin changed in another process.
		{Name: "settings", Interval: settings.PollEvery, Run: func(ctx context.Context) (int, error) {
			return 0, a.Settings.Refresh(ctx)
		}},
		{Name: "notices.publish", Interval: a.cfg.NoticePoll, Drain: true, Wake: a.Notify.Wake(), Run: a.Notify.PublishRound},
		{Name: "notices.wechat", Interval: wechat.Idle(), Drain: true, Run: wechat.DeliverOnce},
		{Name: "notices.sms", Interval: sms.Idle(), Drain: true, Run: sms.DeliverOnce},
		{Name: "points.expire", Interval: time.Minute, Run: func(ctx context.Context) (int, error) {
			return a.Points.ExpireDue(ctx, time.Now())
		}},
		// Re-rates what fell due and matches the benefit programs again
		// (their notices are jobs).
		{Name: "enterprises.rerate", Interval: enterprises.RerateInterval, Run: a.Enterprises.RerateDue},
		// Credits those still checked in once an activity's check-out has
		// closed (their points grants are jobs).
		{Name: "activities.settle", Interval: time.Minute, Run: a.Activities.Settle},
		{Name: "surveys.retention", Interval: surveys.RetentionInterval, Run: a.Surveys.EraseExpired},
		// Records the streets reached by audiences written without them (by
		// the previous release during an upgrade).
		{Name: "audiences.reach", Interval: time.Minute, Run: a.fillReach},
		// Content checks (a provider's retries with their own backoff),
		// escalation, closing unrated requests, dropping unattached uploads
		// (their stored objects are deleted by jobs).
		{Name: "requests", Interval: requests.WorkInterval, Wake: a.Requests.Wake(), Run: func(ctx context.Context) (int, error) {
			n, err := a.Requests.RunChecks(ctx, 100)
			return n, errors.Join(err, a.Requests.Work(ctx))
		}},
	}
	if a.cfg.Backup.Every > 0 {
		// Checks every few minutes whether the newest archive is older than
		// IFUTIAN_BACKUP_EVERY, so that a restart neither skips nor repeats one.
		ts = append(ts, task{Name: "backup", Interval: min(a.cfg.Backup.Every, 5*time.Minute), Run: a.scheduledBackup})
	}
	return ts
}

// taskMetrics are the Prometheus series of the tasks: per task the time of
// its last successful round, its failed rounds and what it did.
type taskMetrics struct {
	lastSuccess *prometheus.GaugeVec
	failures    *prometheus.CounterVec
	done        *prometheus.CounterVec
	jobs        *prometheus.CounterVec
}

// jobOutcome counts one job attempt's outcome.
func (m *taskMetrics) jobOutcome(kind, outcome string) {
	m.jobs.WithLabelValues(kind, outcome).Inc()
}

func newTaskMetrics(reg *prometheus.Registry) *taskMetrics {
	m := &taskMetrics{
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ifutian_task_last_success_timestamp_seconds",
			Help: "Unix time at which the background task last finished a round without error."}, []string{"task"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ifutian_task_failures_total",
			Help: "Rounds of the background task that failed."}, []string{"task"}),
		done: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ifutian_task_done_total",
			Help: "What the background task's rounds did (sends, jobs, rows), as each task counts."}, []string{"task"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ifutian_jobs_attempts_total",
			Help: "Job attempts by kind and outcome: done, retry (failed, to be tried again) or failed (for good)."}, []string{"kind", "outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.lastSuccess, m.failures, m.done, m.jobs)
	}
	return m
}

// runTasks runs every task until ctx ends, then waits for their rounds
// under way to finish.
func runTasks(ctx context.Context, ts []task, log *slog.Logger, m *taskMetrics) {
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Go(func() { runTask(ctx, t, log, m) })
	}
	wg.Wait()
}

// runTask runs t at start, then after every Interval (at once after a
// round that did something, for a Drain task; early on Wake) until ctx
// ends. A failed round is logged and counted, and the next comes after
// Interval as usual.
func runTask(ctx context.Context, t task, log *slog.Logger, m *taskMetrics) {
	if m == nil {
		m = newTaskMetrics(nil)
	}
	m.failures.WithLabelValues(t.Name) // the series exist from the start
	m.done.WithLabelValues(t.Name)
	for {
		n, err := t.Run(ctx)
		if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
			return
		}
		m.done.WithLabelValues(t.Name).Add(float64(max(n, 0)))
		switch {
		case err != nil:
			m.failures.WithLabelValues(t.Name).Inc()
			log.Error("background task failed", "task", t.Name, "done", n, "err", err)
		case n > 0 && !t.Drain:
			log.Info("background task", "task", t.Name, "done", n)
		}
		if err == nil {
			m.lastSuccess.WithLabelValues(t.Name).SetToCurrentTime()
		}
		wait := t.Interval
		if t.Drain && n > 0 && err == nil {
			wait = 0
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-t.Wake:
			timer.Stop()
		}
	}
}

// jobsCollector reports the job queue's depth and its oldest job's age per
// kind and status (queued, running, failed), read when scraped.
type jobsCollector struct {
	q     *jobs.Queue
	depth *prometheus.Desc
	age   *prometheus.Desc
}

func newJobsCollector(q *jobs.Queue) *jobsCollector {
	return &jobsCollector{q: q,
		depth: prometheus.NewDesc("ifutian_jobs", "Jobs in the queue by kind and status (queued, running, failed).", []string{"kind", "status"}, nil),
		age: prometheus.NewDesc("ifutian_jobs_oldest_age_seconds",
			"Seconds since the oldest job of the kind and status was due (queued: waiting; running: since its lease ends, negative while held; failed: since its last try).",
			[]string{"kind", "status"}, nil),
	}
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.depth; ch <- c.age }

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stats, err := c.q.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.depth, err)
		return
	}
	now := time.Now()
	seen := map[string]bool{}
	for _, s := range stats {
		seen[s.Kind+"/"+s.Status] = true
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(s.Count), s.Kind, s.Status)
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, now.Sub(s.Oldest).Seconds(), s.Kind, s.Status)
	}
	// A kind with nothing waiting is 0, not absent.
	for _, k := range c.q.Kinds() {
		if !seen[k+"/"+jobs.Queued] {
			ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, 0, k, jobs.Queued)
			ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, 0, k, jobs.Queued)
		}
	}
}

// fillReach records the streets reached by the audiences of the notices and
// surveys that have none recorded (notify.FillReach, surveys.FillReach).
func (a *instance) fillReach(ctx context.Context) (int, error) {
	regions := a.Residents.Regions()
	n, err := a.Notify.FillReach(ctx, regions)
	if err != nil {
		return n, err
	}
	m, err := a.Surveys.FillReach(ctx, regions)
	return n + m, err
}
