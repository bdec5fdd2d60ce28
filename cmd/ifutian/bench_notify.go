package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// benchNotify measures publication to every inbox, inbox reads and sends.
func benchNotify(ctx context.Context, cfg Config, log *slog.Logger, o benchOptions, out io.Writer) error {
	return errors.New("bench notify: not built yet")
}
