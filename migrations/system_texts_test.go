package migrations_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestFixedSystemTexts: migration 30 rewrites the system notices stored
// before the fixed texts, which quoted what staff typed (here a phishing
// activity title with a link, and a case reference in a template value),
// and leaves a department's own notice, which went through review, as it
// was.
func TestFixedSystemTexts(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 29)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const phishing = "领补贴点 http://evil.example 填写银行卡"
	insert := func(kind, title, body, data string) {
		t.Helper()
		if _, err := sqlDB.ExecContext(ctx, `INSERT INTO notices (title, body, category, audience, publish_at, subscribe_data,
			status, kind, created_at, updated_at) VALUES (?, ?, 'activity', '{}', ?, ?, 'published', ?, ?, ?)`,
			title, body, now, data, kind, now, now); err != nil {
			t.Fatal(err)
		}
	}
	insert("activity_cancelled", "活动取消通知", "您报名的活动「"+phishing+"」（11月2日 09:00，福田会堂）已取消。",
		`{"activity":"`+phishing+`","start":"2026-11-02 09:00"}`)
	insert("credit_recorded", "信用记录：「某某公司」新增一条行政处罚记录", "案件 福市监罚〔2026〕77号 …",
		`{"case_ref":"福市监罚〔2026〕77号","uscc":"91440300MA5XXXXXX1"}`)
	insert("", "台风预警（"+phishing+"）", "部门通知的正文", `{"thing1":"台风"}`)
	upTo(t, p, 30)

	rows, err := sqlDB.QueryContext(ctx, "SELECT kind, title, body, subscribe_data FROM notices ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got [][4]string
	for rows.Next() {
		var r [4]string
		if err := rows.Scan(&r[0], &r[1], &r[2], &r[3]); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 3 {
		t.Fatalf("%d notices, want 3", len(got))
	}
	for _, r := range got[:2] {
		text := strings.Join(r[1:], " ")
		if strings.Contains(text, "evil.example") || strings.Contains(text, "77号") || strings.Contains(text, "某某公司") {
			t.Errorf("%s still quotes staff text: %q", r[0], text)
		}
		if !strings.Contains(r[2], "i福田") {
			t.Errorf("%s body %q is not the fixed text", r[0], r[2])
		}
	}
	if !strings.Contains(got[0][3], "2026-11-02 09:00") || !strings.Contains(got[1][3], "91440300MA5XXXXXX1") {
		t.Errorf("values that are no staff text were dropped: %q, %q", got[0][3], got[1][3])
	}
	if got[2][1] != "台风预警（"+phishing+"）" || got[2][2] != "部门通知的正文" || got[2][3] != `{"thing1":"台风"}` {
		t.Errorf("a department's notice changed: %q", got[2])
	}
	if _, err := p.DownTo(ctx, 29); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
