//go:build bench

package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"time"
)

// benchOptions are the options every bench scenario takes.
type benchOptions struct {
	Residents   int
	Duration    time.Duration
	Concurrency int
	Rate        int           // notify: inbox reads started per second
	Settle      time.Duration // notify: longest wait for MySQL's background work before a timed phase
}

const benchUsage = "usage: ifutian bench <points|notify|activities|requests> [--residents N] [--duration D] [--concurrency C] [--rate R] [--settle D]"

// benchCommand runs `ifutian bench <points|notify|activities|requests>` against IFUTIAN_DB and
// prints one `name: value` line per figure, the scenario's ratio last. It
// is built only with the bench tag (the release binary has bench_stub.go),
// and refuses a database with residents it did not make (benchGuard).
func benchCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(benchUsage)
	}
	scenario := args[0]
	fs := flag.NewFlagSet("bench "+scenario, flag.ContinueOnError)
	var o benchOptions
	fs.IntVar(&o.Residents, "residents", 0, "residents to seed (default per scenario)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long each measured phase runs")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "concurrent clients (points, activities)")
	fs.IntVar(&o.Rate, "rate", 1000, "inbox reads started per second (notify)")
	fs.DurationVar(&o.Settle, "settle", time.Minute, "longest wait for MySQL's purge and flushing before each timed phase (notify)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch scenario {
	case "points", "notify", "activities", "requests":
	default:
		return errors.New(benchUsage)
	}
	if err := benchGuard(ctx, cfg); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	switch scenario {
	case "points":
		return benchPoints(ctx, cfg, log, o, out)
	case "notify":
		return benchNotify(ctx, cfg, log, o, out)
	case "activities":
		return benchActivities(ctx, cfg, log, o, out)
	case "requests":
		return benchRequests(ctx, cfg, log, o, out)
	}
	return errors.New(benchUsage)
}
