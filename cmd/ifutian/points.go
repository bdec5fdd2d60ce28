package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/futian/ifutian/points"
)

const pointsUsage = "usage: ifutian points reconcile|expire"

// pointsCommand runs `ifutian points reconcile` (check every account
// against its ledger and lots; non-zero exit on any mismatch) and
// `ifutian points expire` (post the expiries that are due now).
func pointsCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 1 || (args[0] != "reconcile" && args[0] != "expire") {
		return errors.New(pointsUsage)
	}
	a, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if args[0] == "expire" {
		n, err := a.Points.ExpireDue(ctx, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "expired lots: %d\n", n)
		return nil
	}
	bad, checked, err := a.Points.Reconcile(ctx)
	if err != nil {
		return err
	}
	for _, m := range bad {
		fmt.Fprintln(out, "MISMATCH", m)
	}
	fmt.Fprintf(out, "accounts checked: %d\nmismatches: %d\n", checked, len(bad))
	if len(bad) > 0 {
		return fmt.Errorf("points reconcile: %d mismatches", len(bad))
	}
	return nil
}

// setPointsLevels applies IFUTIAN_POINTS_LEVELS and
// IFUTIAN_POINTS_LEVEL_NAMES, parsed and checked by loadConfig (nil keeps
// the defaults).
func setPointsLevels(svc *points.Service, levels []int64, names []string) error {
	if levels != nil {
		if err := svc.SetLevels(levels); err != nil {
			return fmt.Errorf("IFUTIAN_POINTS_LEVELS: %w", err)
		}
	}
	if names != nil {
		if err := svc.SetLevelNames(names); err != nil {
			return fmt.Errorf("IFUTIAN_POINTS_LEVEL_NAMES: %w", err)
		}
	}
	return nil
}

// expirePoints is the worker that posts due expiries every minute.
func (a *instance) expirePoints(ctx context.Context) error {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		n, err := a.Points.ExpireDue(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			a.log.Error("points expiry failed", "err", err)
		} else if n > 0 {
			a.log.Info("points expired", "lots", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
