package migrations_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/migrations"
)

// emptyDB returns a database with no tables yet, and the goose provider of
// its dialect to step the migrations with.
func emptyDB(t *testing.T) (*sql.DB, *goose.Provider) {
	t.Helper()
	gdb, dialect := dbtest.OpenEmpty(t)
	sqlDB := db.SQL(gdb)
	p, err := migrations.Provider(sqlDB, string(dialect))
	if err != nil {
		t.Fatal(err)
	}
	return sqlDB, p
}

// upTo applies the migrations up to version.
func upTo(t *testing.T, p *goose.Provider, version int64) {
	t.Helper()
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
}
