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

// CountCap is the most a list's total counts: beyond it a list says "more
// than CountCap", so a count never reads more rows than that.
const CountCap = 10000

// CountUpTo counts the rows q selects, up to CountCap (more: there are
// more), reading at most CountCap+1 of them.
func CountUpTo(q *gorm.DB) (n int64, more bool, err error) {
	sub := q.Session(&gorm.Session{}).Select("1").Limit(CountCap + 1)
	if err := q.Session(&gorm.Session{NewDB: true}).Table("(?) AS counted", sub).Count(&n).Error; err != nil {
		return 0, false, fmt.Errorf("count: %w", err)
	}
	if n > CountCap {
		return CountCap, true, nil
	}
	return n, false, nil
}
