package db

import (
	"errors"
	"slices"
	"testing"
)

func TestContains(t *testing.T) {
	for in, want := range map[string]string{"": "%%", "华富": "%华富%", "100%_!": "%100!%!_!!%"} {
		if got := Contains(in); got != want {
			t.Errorf("Contains(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFilteredPage(t *testing.T) {
	rows := []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1} // newest first
	find := func(before int64, n int) ([]int64, error) {
		var out []int64
		for _, r := range rows {
			if (before == 0 || r < before) && len(out) < n {
				out = append(out, r)
			}
		}
		return out, nil
	}
	id := func(r *int64) int64 { return *r }
	for _, tc := range []struct {
		name   string
		before int64
		limit  int
		keep   func(*int64) bool
		want   []int64
		next   int64
	}{
		{"AllKeptFirstPage", 0, 3, func(*int64) bool { return true }, []int64{10, 9, 8}, 8},
		{"AllKeptLastPage", 3, 3, func(*int64) bool { return true }, []int64{2, 1}, 0},
		{"ExactlyTheRest", 4, 3, func(*int64) bool { return true }, []int64{3, 2, 1}, 0},
		{"SparseAcrossBatches", 0, 2, func(r *int64) bool { return *r%4 == 0 }, []int64{8, 4}, 0},
		{"SparseWithMore", 0, 1, func(r *int64) bool { return *r%4 == 0 }, []int64{8}, 8},
		{"NoneKept", 0, 3, func(*int64) bool { return false }, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := FilteredPage(tc.before, tc.limit, find, id, tc.keep)
			if err != nil || !slices.Equal(got, tc.want) || next != tc.next {
				t.Fatalf("got %v next %d err %v, want %v next %d", got, next, err, tc.want, tc.next)
			}
		})
	}
	boom := errors.New("boom")
	if _, _, err := FilteredPage(0, 3, func(int64, int) ([]int64, error) { return nil, boom }, id, func(*int64) bool { return true }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the find's error", err)
	}
}
