package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// opsMetrics are the series operators alert on beyond the requests and
// tasks: sends by outcome, the last backup, the configuration's health,
// and (read when scraped) 民意速办's overdue requests and publication's
// backlog.
type opsMetrics struct {
	sends      *prometheus.CounterVec
	lastBackup prometheus.Gauge
	config     *prometheus.GaugeVec
}

// sendOutcomes are the outcomes notify's deliverers report.
var sendOutcomes = []string{"sent", "failed", "no_quota", "retry", "paused"}

func newOpsMetrics(reg *prometheus.Registry) *opsMetrics {
	m := &opsMetrics{
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ifutian_notice_sends_total",
			Help: "Attempts to send a notice by channel (wechat, sms) and outcome: sent, failed (for good), no_quota, retry (failed, to be tried again), paused (a daily limit)."},
			[]string{"channel", "outcome"}),
		lastBackup: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ifutian_backup_last_success_timestamp_seconds",
			Help: "Unix time at which the newest backup archive kept was written (with IFUTIAN_BACKUP_EVERY; 0 without scheduled backups or before the first)."}),
		config: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ifutian_config_problem",
			Help: "1 while the configuration has the named problem (development keys, a fake WeChat or SMS, no push token, no public URL), else 0."},
			[]string{"check"}),
	}
	for _, ch := range []string{"wechat", "sms"} {
		for _, o := range sendOutcomes {
			m.sends.WithLabelValues(ch, o)
		}
	}
	if reg != nil {
		reg.MustRegister(m.sends, m.lastBackup, m.config)
	}
	return m
}

// sendOutcome counts one send attempt (notify.DeliveryConfig.Outcome).
func (m *opsMetrics) sendOutcome(channel, outcome string) {
	m.sends.WithLabelValues(channel, outcome).Inc()
}

func (m *opsMetrics) done(at time.Time) {
	m.lastBackup.Set(float64(at.Unix()))
}

// checkConfig sets ifutian_config_problem from cfg: what runs but should
// not in production.
func (m *opsMetrics) checkConfig(cfg Config) {
	for check, bad := range map[string]bool{
		// The development keys beside the SQLite file are backed up with
		// nothing and lost with the disk.
		"dev_data_key":        cfg.DataKeyBytes == nil,
		"dev_member_code_key": cfg.MemberCodeKey == nil,
		"fake_wechat":         cfg.FakeWeChat() || cfg.WeChatURL != "",
		"fake_sms":            cfg.SMS.Fake() || cfg.SMS.URL != "",
		// Without it WeChat's verdicts on photos are refused.
		"no_push_token": !cfg.FakeWeChat() && cfg.PushToken == "",
		// Without it photos of public requests are never checked nor shown.
		"no_public_url": cfg.PublicURL == "",
	} {
		v := 0.0
		if bad {
			v = 1
		}
		m.config.WithLabelValues(check).Set(v)
	}
}

// backlogCollector reads, when scraped, the open requests past their
// deadline and the approved notices due but not yet published.
type backlogCollector struct {
	a                       *instance
	overdue, due, dueOldest *prometheus.Desc
}

func newBacklogCollector(a *instance) *backlogCollector {
	return &backlogCollector{a: a,
		overdue: prometheus.NewDesc("ifutian_requests_overdue", "Open 民意速办 requests (not answered nor closed) past their deadline.", nil, nil),
		due:     prometheus.NewDesc("ifutian_notices_due_unpublished", "Approved notices whose publication time has come but that are not published yet.", nil, nil),
		dueOldest: prometheus.NewDesc("ifutian_notices_due_oldest_age_seconds",
			"Seconds since the oldest approved, unpublished notice was due (0 if none).", nil, nil),
	}
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.overdue
	ch <- c.due
	ch <- c.dueOldest
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := c.a.Requests.Overdue(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.overdue, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.overdue, prometheus.GaugeValue, float64(n))
	}
	n, oldest, err := c.a.Notify.Backlog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.due, err)
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = time.Since(oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.due, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.dueOldest, prometheus.GaugeValue, age)
}
