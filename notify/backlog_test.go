package notify

import (
	"context"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/dbtest"
)

// TestBacklog: approved notices whose time has come but that are not
// published are the publication backlog the metrics report; later ones
// and published ones are not.
func TestBacklog(t *testing.T) {
	gdb := dbtest.Open(t)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := New(Deps{DB: gdb, Now: func() time.Time { return now }})
	add := func(status Status, at time.Time) {
		t.Helper()
		err := gdb.Exec(`INSERT INTO notices (title, body, category, audience, subscribe_data, publish_at, status, created_at, updated_at)
VALUES ('t', 'b', 'policy', '{}', '', ?, ?, ?, ?)`, at, status, now, now).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, oldest, err := s.Backlog(context.Background()); err != nil || n != 0 || !oldest.IsZero() {
		t.Fatalf("empty: %d %v %v", n, oldest, err)
	}
	add(StatusApproved, now.Add(-3*time.Minute))
	add(StatusApproved, now.Add(-time.Minute))
	add(StatusApproved, now.Add(time.Hour))   // not due yet
	add(StatusPublished, now.Add(-time.Hour)) // done
	n, oldest, err := s.Backlog(context.Background())
	if err != nil || n != 2 || !oldest.Equal(now.Add(-3*time.Minute)) {
		t.Fatalf("backlog %d, oldest %v, %v; want 2 since %v", n, oldest, err, now.Add(-3*time.Minute))
	}
}
