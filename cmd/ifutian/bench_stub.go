//go:build !bench

package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// errNoBench is what the release binary says to `ifutian bench`: the bench
// seeds residents and publishes notices to every resident, so it is built
// only with the bench tag (bench.go).
var errNoBench = errors.New("this build has no bench: it is built only with the bench tag, against a database of its own:\n" +
	"  go run -tags bench ./cmd/ifutian bench <points|notify|activities> [--duration D] ...")

func benchCommand(context.Context, Config, *slog.Logger, []string, io.Writer) error {
	return errNoBench
}
