package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// benchCommand runs `ifutian bench <points|notify>`.
func benchCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, out io.Writer) error {
	return errors.New("usage: ifutian bench <points|notify> [--residents N] [--duration D] [--concurrency C]")
}
