package surveys

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// A reminder reaches residents' inboxes without the notice review, so
// staff write nothing into it: its title is fixed and its body a fixed
// sentence naming the survey by reference (the notice links to it, never
// quoting its title). A survey is reminded
// about at most once a district day, for that day only, on behalf of its
// department; the member who asked is kept with it (and audited by the
// API).

// reminderTitle is the title of every survey reminder.
const reminderTitle = "问卷填报提醒"

// Reminder is the day's reminder of a survey.
type Reminder struct {
	Day      string
	Reminded int  // residents it went to
	Repeated bool // sent earlier today; nothing was sent now
}

// reminderRow is a reminder sent: once per survey and day.
type reminderRow struct {
	SurveyID  int64
	Day       string
	Reminded  int
	SentBy    int64
	CreatedAt time.Time
}

// TableName maps reminderRow to its table.
func (reminderRow) TableName() string { return "survey_reminders" }

// reminderNotice is the fixed notice reminding residents of survey sv on
// district day day. It names the survey by reference, never by its title
// (an editor's words): the resident opens it from the notice.
func reminderNotice(sv *Survey, day string, residentIDs []int64) notify.DirectNotice {
	category, what := "activity", "问卷"
	if sv.Kind == Declaration {
		category, what = "health", "申报"
	}
	body := fmt.Sprintf("您有一份%s尚未填写，请在「i福田」小程序中打开本消息完成填写。", what)
	if sv.Recurrence == Daily {
		body = fmt.Sprintf("您尚未填写今天（%s）的%s，请在「i福田」小程序中打开本消息完成填写。", day, what)
	}
	return notify.DirectNotice{
		Kind: notify.KindSurveyReminder, Title: reminderTitle, Body: body, Category: category, ResidentIDs: residentIDs,
		Data:   map[string]string{"date": day},
		Target: &notify.Target{Type: notify.TargetSurvey, ID: strconv.FormatInt(sv.ID, 10)},
		Source: fmt.Sprintf("survey:%d:remind:%s", sv.ID, day), DepartmentID: sv.DepartmentID,
	}
}

// Remind sends today's reminder of a questionnaire or declaration: a fixed
// notice to every targeted resident within m's streets who has not
// responded today (d is "" or today's district date). It is sent at most
// once a day per survey, whoever asks: asking again that day sends
// nothing and answers the first reminder, with Repeated set. Nobody to
// remind sends nothing and uses up nothing. Returns ErrNotFound outside
// m's department, an invalid_argument error naming "date" for another
// day, and one for a quiz.
func (s *Service) Remind(ctx context.Context, m *staff.Member, id int64, d string) (*Reminder, error) {
	tx := s.db.WithContext(ctx)
	by := m.Scope()
	sv, err := s.owned(tx, by, id)
	if err != nil {
		return nil, err
	}
	today := district.Date(s.now())
	if d != "" && d != today {
		return nil, apperr.Field("date", "只能提醒今天（"+today+"）未填写的居民")
	}
	if sv.Kind == Quiz {
		return nil, errQuizHasNoMissing
	}
	if prev, ok, err := s.reminder(tx, sv.ID, today); err != nil || ok {
		return prev, err
	}
	var ids []int64
	for after := int64(0); ; {
		var batch []int64
		if err := s.missingQuery(tx, by, sv, today).Where(residents.IDColumn(rs)+" > ?", after).Order(residents.IDColumn(rs)).
			Limit(5000).Pluck(residents.IDColumn(rs), &batch).Error; err != nil {
			return nil, fmt.Errorf("missing residents: %w", err)
		}
		ids = append(ids, batch...)
		if len(batch) < 5000 {
			break
		}
		after = batch[len(batch)-1]
	}
	if len(ids) == 0 {
		return &Reminder{Day: today}, nil
	}
	// The notice is idempotent on its source, survey and day: of two
	// concurrent reminders one delivers, and both then record; the first
	// record stands.
	if err := s.notify.SendDirect(ctx, reminderNotice(sv, today, ids)); err != nil {
		return nil, fmt.Errorf("send reminders: %w", err)
	}
	row := reminderRow{SurveyID: sv.ID, Day: today, Reminded: len(ids), SentBy: m.ID, CreatedAt: s.now().UTC()}
	if err := tx.Create(&row).Error; isDuplicate(err) {
		prev, _, err := s.reminder(tx, sv.ID, today)
		return prev, err
	} else if err != nil {
		return nil, fmt.Errorf("record reminder: %w", err)
	}
	return &Reminder{Day: today, Reminded: len(ids)}, nil
}

// reminder returns the reminder of a survey sent on day, if there is one.
func (s *Service) reminder(tx *gorm.DB, surveyID int64, day string) (*Reminder, bool, error) {
	var rows []reminderRow
	if err := tx.Where("survey_id = ? AND day = ?", surveyID, day).Limit(1).Find(&rows).Error; err != nil {
		return nil, false, fmt.Errorf("find reminder: %w", err)
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	return &Reminder{Day: day, Reminded: rows[0].Reminded, Repeated: true}, true, nil
}
