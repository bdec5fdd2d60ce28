package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// pointsCommand runs `ifutian points reconcile`.
func pointsCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, out io.Writer) error {
	return errors.New("usage: ifutian points reconcile")
}
