package db

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Names returns column of the rows of table whose key is one of keys, by
// key, in one query: a module names its own objects for others (the audit
// log) through it, each over its own table.
func Names[K comparable](ctx context.Context, gdb *gorm.DB, table, key, column string, keys []K) (map[K]string, error) {
	out := map[K]string{}
	if len(keys) == 0 {
		return out, nil
	}
	var rows []struct {
		K K      `gorm:"column:k"`
		N string `gorm:"column:n"`
	}
	err := gdb.WithContext(ctx).Table(table).Select(key+" AS k, "+column+" AS n").Where(key+" IN ?", keys).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("names of %s: %w", table, err)
	}
	for _, r := range rows {
		out[r.K] = r.N
	}
	return out, nil
}
