// Package migrations holds the versioned SQL schema, one folder per dialect
// with matching numbers, embedded in the binary and applied with goose.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed sqlite/*.sql mysql/*.sql
var files embed.FS

// Up applies every migration not yet applied to db, whose dialect is
// "sqlite" or "mysql". Each file runs in its own transaction where the
// dialect allows it (MySQL commits DDL implicitly).
func Up(ctx context.Context, db *sql.DB, dialect string) ([]string, error) {
	p, err := provider(db, dialect)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", dialect, err)
	}
	applied := make([]string, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Path)
	}
	return applied, nil
}

func provider(db *sql.DB, dialect string) (*goose.Provider, error) {
	var gd goose.Dialect
	switch dialect {
	case "sqlite":
		gd = goose.DialectSQLite3
	case "mysql":
		gd = goose.DialectMySQL
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gd, db, sub)
}

// Version returns the migration level of db: the version of the last
// migration applied (0 for an empty database).
func Version(ctx context.Context, db *sql.DB, dialect string) (int64, error) {
	p, err := provider(db, dialect)
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration level: %w", err)
	}
	return v, nil
}

// Latest returns the version of the newest migration this build carries
// for dialect.
func Latest(dialect string) (int64, error) {
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		return 0, err
	}
	names, err := fs.Glob(sub, "*.sql")
	if err != nil || len(names) == 0 {
		return 0, fmt.Errorf("migrations: none for dialect %q", dialect)
	}
	var latest int64
	for _, n := range names {
		v, err := goose.NumericComponent(n)
		if err != nil {
			return 0, err
		}
		latest = max(latest, v)
	}
	return latest, nil
}
