//go:build bench

package main

import (
	"context"
	"fmt"

	"github.com/futian/ifutian/internal/db"
)

// benchOpenIDPrefix starts the openid of every resident a bench makes. No
// WeChat openid starts so (they start with "o"), nor one of the built-in
// fake's ("mock_").
const benchOpenIDPrefix = "bench_"

// benchGuard refuses a database that holds a resident the bench did not
// make (one whose openid does not start with benchOpenIDPrefix, or has
// none: an erased account), before anything is written to it, migrations
// included: the bench publishes notices to every resident and sends them
// WeChat messages. An empty database, or one without a residents table, is
// the bench's to use.
func benchGuard(ctx context.Context, cfg Config) error {
	gdb, _, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.SQL(gdb).Close()
	if !gdb.WithContext(ctx).Migrator().HasTable("residents") {
		return nil
	}
	// A range on the openid's unique index, rather than NOT LIKE, which
	// would read every bench resident: "`" follows "_" in both dialects'
	// binary order.
	var ids []int64
	err = gdb.WithContext(ctx).Raw("SELECT id FROM residents WHERE openid IS NULL OR openid < ? OR openid >= ? LIMIT 1",
		benchOpenIDPrefix, benchOpenIDPrefix[:len(benchOpenIDPrefix)-1]+"`").Scan(&ids).Error
	if err != nil {
		return fmt.Errorf("bench: check the database's residents: %w", err)
	}
	if len(ids) > 0 {
		return fmt.Errorf("bench: refused: IFUTIAN_DB holds residents the bench did not make (resident %d's openid does not start with %q); "+
			"the bench publishes notices to every resident, so it runs only on a database of its own (empty, or used only by the bench)", ids[0], benchOpenIDPrefix)
	}
	return nil
}
