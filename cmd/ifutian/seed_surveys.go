package main

import (
	"context"
	"io"
)

// seedSurveys loads the surveys module's starter data every installation needs; running it twice changes nothing.
func (a *app) seedSurveys(ctx context.Context, out io.Writer) error { return nil }

// demoSurveys loads the surveys module's demo data for seed --demo; running it twice changes nothing.
func (a *app) demoSurveys(ctx context.Context, out io.Writer) error { return nil }
