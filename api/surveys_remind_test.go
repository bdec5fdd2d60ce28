package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// Issue #12.3: a reminder carried an editor-written title ("your social
// security card is frozen, call …") to 56 inboxes with no reviewer, again
// for every ?date=, with no department and no author.
func TestSurveyRemindIsFixedTextOncePerDay(t *testing.T) {
	e := newEnv(t)
	editor, m := e.staffer([]staff.Role{staff.Editor})
	const title = "【紧急】您的社保卡已冻结，请致电 0755-12345678 解冻并提供验证码"
	sid, _ := e.declarationFor(editor, map[string]any{"title": title}, "华富街道")
	e.residentOn("remind-1", "华富街道")
	e.residentOn("remind-2", "华富街道")
	today := district.Date(time.Now())

	t.Run("ErrDateNotToday", func(t *testing.T) {
		for _, d := range []string{"2031-01-01", "2020-01-01", "x"} {
			wantError(t, e.do("POST", "/api/v1/admin/surveys/"+sid+"/remind?date="+d, editor, nil), http.StatusBadRequest, "invalid_argument", "date")
		}
		if n := e.count("notices"); n != 0 {
			t.Fatalf("refused reminders sent %d notices", n)
		}
	})

	rec := e.do("POST", "/api/v1/admin/surveys/"+sid+"/remind", editor, nil)
	wantStatus(t, rec, http.StatusOK)
	first := rec.Body.String()
	if !strings.Contains(first, `"reminded":2`) || !strings.Contains(first, `"date":"`+today+`"`) {
		t.Fatalf("remind=%s", first)
	}
	var notice struct {
		Title, Body  string
		DepartmentID *int64
	}
	if err := e.db.Table("notices").Select("title, body, department_id").Take(&notice).Error; err != nil {
		t.Fatal(err)
	}
	if notice.Title != "问卷填报提醒" || strings.Contains(notice.Title, "社保") {
		t.Fatalf("notice title %q, want the fixed text", notice.Title)
	}
	// The body names the survey by reference: never its title.
	if strings.Contains(notice.Body, "社保卡") || strings.Contains(notice.Body, "0755") || !strings.Contains(notice.Body, "尚未填写") {
		t.Fatalf("notice body %q", notice.Body)
	}
	if notice.DepartmentID == nil || *notice.DepartmentID != e.dept {
		t.Fatalf("notice department %v, want %d", notice.DepartmentID, e.dept)
	}
	// Who asked is audited and kept with the reminder.
	var audit struct{ ActorID int64 }
	if err := e.db.Table("audit_log").Where("action = ?", "POST /api/v1/admin/surveys/:id/remind").Select("actor_id").Take(&audit).Error; err != nil || audit.ActorID != m.ID {
		t.Fatalf("audit %+v (%v), want the member %d", audit, err, m.ID)
	}
	var sentBy int64
	if err := e.db.Table("survey_reminders").Select("sent_by").Row().Scan(&sentBy); err != nil || sentBy != m.ID {
		t.Fatalf("reminder sent by %d (%v), want %d", sentBy, err, m.ID)
	}

	t.Run("AgainTheSameDaySendsNothing", func(t *testing.T) {
		recipients := e.count("notice_recipients")
		for _, q := range []string{"", "?date=" + today} {
			rec := e.do("POST", "/api/v1/admin/surveys/"+sid+"/remind"+q, editor, nil)
			wantStatus(t, rec, http.StatusOK)
			if rec.Body.String() != first {
				t.Fatalf("second remind %s, want the first answer %s", rec.Body.String(), first)
			}
		}
		if n := e.count("notices"); n != 1 {
			t.Fatalf("%d notices, want 1", n)
		}
		if n := e.count("notice_recipients"); n != recipients {
			t.Fatalf("%d recipients, want %d", n, recipients)
		}
	})
}
