package db

import "strings"

// Contains returns a LIKE pattern matching s anywhere, its wildcards
// escaped for a LIKE … ESCAPE '!' clause.
func Contains(s string) string {
	return "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s) + "%"
}

// FilteredPage reads rows newest first through find (rows with an ID below
// before, at most n, by descending ID; before 0 for the first), keeping
// those keep accepts, until it holds limit of them or the rows run out. It
// is for lists whose scope SQL cannot express (the streets inside an
// audience's JSON). next is the before of the following page, 0 on the last.
func FilteredPage[T any](before int64, limit int, find func(before int64, n int) ([]T, error), id func(*T) int64, keep func(*T) bool) (items []T, next int64, err error) {
	for {
		batch, err := find(before, limit+1)
		if err != nil {
			return nil, 0, err
		}
		for i := range batch {
			if keep(&batch[i]) {
				items = append(items, batch[i])
			}
		}
		if len(items) > limit || len(batch) <= limit {
			break
		}
		before = id(&batch[len(batch)-1])
	}
	if len(items) > limit {
		items = items[:limit]
		next = id(&items[len(items)-1])
	}
	return items, next, nil
}
