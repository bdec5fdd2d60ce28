package migrations_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestSurveyRetention: migration 9 gives existing surveys their default
// retention (declarations 90 days, others 365) and existing number and
// text answers their survey_choices rows (the number as given, ” for a
// text), so statistics count them; Down and Up again work.
func TestSurveyRetention(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 7)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	insert := func(q string, args ...any) int64 {
		t.Helper()
		res, err := sqlDB.ExecContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	resident := insert("INSERT INTO residents (nickname, created_at, updated_at) VALUES ('m', ?, ?)", now, now)
	question := func(typ string) int64 {
		return insert("INSERT INTO survey_questions (type, stem, options, answer, explanation, tags, created_at, updated_at) VALUES (?, ?, '[]', '[]', '', '[]', ?, ?)",
			typ, typ, now, now)
	}
	judge, number, text, skipped := question("judge"), question("number"), question("text"), question("text")
	survey := func(kind string) int64 {
		return insert(`INSERT INTO surveys (created_by, kind, title, description, audience, opens_at, draw_tags, created_at, updated_at)
VALUES (1, ?, ?, '', '{}', ?, '[]', ?, ?)`, kind, kind, now, now, now)
	}
	decl, questionnaire := survey("declaration"), survey("questionnaire")
	for i, q := range []int64{judge, number, text, skipped} {
		insert("INSERT INTO survey_items (survey_id, position, question_id, required) VALUES (?, ?, ?, ?)", decl, i, q, i == 0)
	}
	answers := fmt.Sprintf(`{"%d":["对"],"%d":["36.50"],"%d":["头痛，咳嗽"]}`, judge, number, text)
	resp := insert("INSERT INTO survey_responses (survey_id, resident_id, day, answers, submitted_at, created_at) VALUES (?, ?, '2026-11-01', ?, ?, ?)",
		decl, resident, answers, now, now)
	insert("INSERT INTO survey_choices (response_id, survey_id, question_id, day, value) VALUES (?, ?, ?, '2026-11-01', '对')", resp, decl, judge)

	choices := func() string {
		t.Helper()
		rows, err := sqlDB.QueryContext(ctx, "SELECT question_id, value FROM survey_choices WHERE response_id = ? ORDER BY question_id", resp)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := ""
		for rows.Next() {
			var q int64
			var v string
			if err := rows.Scan(&q, &v); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf("%d=%q ", q, v)
		}
		return out
	}
	upTo(t, p, 9)
	if got, want := choices(), fmt.Sprintf(`%d="对" %d="36.50" %d="" `, judge, number, text); got != want {
		t.Fatalf("choices %s, want %s", got, want)
	}
	for id, want := range map[int64]int{decl: 90, questionnaire: 365} {
		var days int
		if err := sqlDB.QueryRowContext(ctx, "SELECT retention_days FROM surveys WHERE id = ?", id).Scan(&days); err != nil || days != want {
			t.Fatalf("survey %d: retention %d (%v), want %d", id, days, err, want)
		}
	}

	if _, err := p.DownTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if got, want := choices(), fmt.Sprintf(`%d="对" `, judge); got != want {
		t.Fatalf("choices after Down %s, want %s", got, want)
	}
	if _, err := sqlDB.ExecContext(ctx, "SELECT retention_days FROM surveys"); err == nil {
		t.Fatal("retention_days is still there after Down")
	}
	upTo(t, p, 9)
}
