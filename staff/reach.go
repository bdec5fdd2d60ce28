package staff

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
)

// Record replaces the streets recorded for row id with streets, sorted and
// without repeats ("" for every street; none means every street too), in
// tx: the transaction that writes what they are derived from.
func (r Reach) Record(tx *gorm.DB, id int64, streets []string) error {
	if err := tx.Exec("DELETE FROM "+r.Table+" WHERE "+r.Key+" = ?", id).Error; err != nil {
		return fmt.Errorf("%s: %w", r.Table, err)
	}
	return r.insert(tx, id, streets)
}

func (r Reach) insert(tx *gorm.DB, id int64, streets []string) error {
	streets = slices.Compact(slices.Sorted(slices.Values(streets)))
	if len(streets) == 0 {
		streets = []string{""}
	}
	rows := make([]map[string]any, len(streets))
	for i, st := range streets {
		rows[i] = map[string]any{r.Key: id, "street": st}
	}
	if err := tx.Table(r.Table).Create(rows).Error; err != nil {
		return fmt.Errorf("%s: %w", r.Table, err)
	}
	return nil
}

// Unrecorded is the SQL condition of the rows with no streets recorded.
func (r Reach) Unrecorded() string {
	return "NOT EXISTS (SELECT 1 FROM " + r.Table + " WHERE " + r.Table + "." + r.Key + " = " + r.Row + ")"
}

// FillReach records the reach of rows that have none recorded: those
// written before r's table existed, or by the previous release during an
// upgrade. pending returns up to limit such rows (by r.Unrecorded(), in ID
// order) and reach says a row's ID and streets. A row another instance
// filled meanwhile is skipped; filled is how many this call recorded.
func FillReach[T any](ctx context.Context, gdb *gorm.DB, r Reach, pending func(limit int) ([]T, error), reach func(T) (int64, []string)) (filled int, err error) {
	const limit = 500
	for {
		batch, err := pending(limit)
		if err != nil {
			return filled, fmt.Errorf("fill %s: %w", r.Table, err)
		}
		for _, row := range batch {
			id, streets := reach(row)
			err := db.Transact(ctx, gdb, func(tx *gorm.DB) error { return r.insert(tx, id, streets) })
			if db.IsDuplicate(err) {
				continue // another instance filled it
			}
			if err != nil {
				return filled, err
			}
			filled++
		}
		if len(batch) < limit {
			return filled, nil
		}
	}
}
