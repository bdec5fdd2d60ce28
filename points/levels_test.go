package points

import (
	"reflect"
	"testing"

	"github.com/futian/ifutian/internal/dbtest"
)

func TestLevels(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	if got := s.Levels(); len(got) != 6 || got[0] != (Level{1, "Lv1", 0}) || got[5] != (Level{6, "Lv6", 10000}) {
		t.Fatalf("default levels=%+v", got)
	}
	if err := CheckLevels([]int64{50, 100, 300}, nil); err != nil {
		t.Fatal(err)
	}
	if err := CheckLevels([]int64{50, 100, 100}, nil); err == nil {
		t.Fatal("thresholds that do not ascend accepted")
	}
	if err := CheckLevels([]int64{50, 100, 300}, []string{"新芽", "绿叶"}); err == nil {
		t.Fatal("two names for three levels accepted")
	}
	s = New(Deps{DB: gdb, Levels: []int64{50, 100, 300}, LevelNames: []string{"新芽", "绿叶", "大树"}})
	if got, want := s.Levels(), []Level{{1, "新芽", 50}, {2, "绿叶", 100}, {3, "大树", 300}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("levels=%+v, want %+v", got, want)
	}
	for _, tc := range []struct {
		lifetime int64
		next     int64
		ok       bool
	}{
		{0, 100, true}, // below the first threshold is level 1 still: next is level 2's
		{50, 100, true},
		{99, 100, true},
		{100, 300, true},
		{300, 0, false},
		{5000, 0, false},
	} {
		if next, ok := s.NextLevelAt(tc.lifetime); next != tc.next || ok != tc.ok {
			t.Errorf("NextLevelAt(%d)=%d,%v, want %d,%v", tc.lifetime, next, ok, tc.next, tc.ok)
		}
	}
}
