package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
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
