package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// benchPoints measures awards through the API against a bare transaction.
func benchPoints(ctx context.Context, cfg Config, log *slog.Logger, o benchOptions, out io.Writer) error {
	return errors.New("bench points: not built yet")
}
