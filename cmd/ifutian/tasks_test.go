package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/jobs"
)

// TestRunTask: a round that fails is logged and counted and the task goes
// on; a Drain task runs again at once while it finds work; Wake starts a
// round early; the task stops when its context ends.
func TestRunTask(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newTaskMetrics(reg)
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := make(chan struct{}, 1)
	rounds := 0
	results := []struct {
		n   int
		err error
	}{{0, errors.New("database is down")}, {3, nil}, {2, nil}, {0, nil}, {1, nil}}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		runTask(ctx, task{Name: "demo", Interval: time.Hour, Drain: true, Wake: wake, Run: func(context.Context) (int, error) {
			r := results[rounds]
			rounds++
			switch rounds {
			case 1:
				wake <- struct{}{} // the failed round waits an hour unless woken
			case 4:
				wake <- struct{}{} // nothing found: woken, not after an hour
			case len(results):
				cancel()
			}
			return r.n, r.err
		}}, log, m)
	}()
	<-stopped
	if rounds != len(results) {
		t.Fatalf("%d rounds, want %d", rounds, len(results))
	}
	if got := value(m.failures.WithLabelValues("demo")); got != 1 {
		t.Fatalf("failures = %v, want 1", got)
	}
	if got := value(m.done.WithLabelValues("demo")); got != 5 {
		t.Fatalf("done = %v, want 5 (3+2; the round cut by the stop is not counted)", got)
	}
	if got := value(m.lastSuccess.WithLabelValues("demo")); got < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Fatalf("last success = %v", got)
	}
	if !strings.Contains(logs.String(), "task=demo") || !strings.Contains(logs.String(), "database is down") {
		t.Fatalf("log %q does not name the task and its error", logs.String())
	}
}

// TestJobsCollector: the queue's depth and oldest age per kind and status
// are scraped from the database; a registered kind with nothing waiting
// reads 0.
func TestJobsCollector(t *testing.T) {
	gdb := dbtest.Open(t)
	q := jobs.New(gdb, jobs.Config{})
	q.Register("idle.kind", func(context.Context, []byte) error { return nil })
	for _, k := range []string{"a", "b"} {
		if err := jobs.EnqueueAt(gdb, "busy.kind", k, nil, time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(newJobsCollector(q))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, mt := range mf.Metric {
			got[mf.GetName()+"/"+mt.Label[0].GetValue()+"/"+mt.Label[1].GetValue()] = mt.GetGauge().GetValue()
		}
	}
	if got["ifutian_jobs/busy.kind/queued"] != 2 || got["ifutian_jobs/idle.kind/queued"] != 0 || len(got) != 4 {
		t.Fatalf("scraped %v, want 2 busy and 0 idle jobs queued", got)
	}
	if age := got["ifutian_jobs_oldest_age_seconds/busy.kind/queued"]; age < 59 {
		t.Fatalf("oldest age %v, want a minute", age)
	}
}

// value reads a counter or gauge.
func value(c prometheus.Metric) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}
