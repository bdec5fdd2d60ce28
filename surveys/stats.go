package surveys

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// Stats summarises a survey for staff. For a quiz: participants (residents
// who submitted), submissions, pass rate among participants (a resident
// passes with any passing attempt), average score, attempts answered
// implausibly fast, and each question's correct rate. For a questionnaire
// or declaration: participants, responses and each question's answer
// distribution. Both are broken down by street.
type Stats struct {
	SurveyID     int64           `json:"survey_id,string"`
	Kind         string          `json:"kind"`
	Day          string          `json:"day,omitempty"`
	Participants int64           `json:"participants"`
	Submissions  int64           `json:"submissions"`
	Passed       int64           `json:"passed,omitempty"`
	PassRate     float64         `json:"pass_rate"`
	AverageScore float64         `json:"average_score,omitempty"`
	FastAttempts int64           `json:"fast_attempts"`
	Questions    []QuestionStats `json:"questions"`
	ByStreet     []StreetStats   `json:"by_street"`
}

// QuestionStats is one question's figures.
type QuestionStats struct {
	QuestionID   int64            `json:"question_id,string"`
	Type         string           `json:"type"`
	Stem         string           `json:"stem"`
	Answered     int64            `json:"answered"`
	CorrectRate  *float64         `json:"correct_rate,omitempty"`
	Distribution map[string]int64 `json:"distribution,omitempty"`
}

// StreetStats is one street's figures.
type StreetStats struct {
	Street       string  `json:"street"`
	Participants int64   `json:"participants"`
	Submissions  int64   `json:"submissions"`
	Passed       int64   `json:"passed"`
	PassRate     float64 `json:"pass_rate"`
}

func rate(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Stats returns a survey's statistics; d ("" for all days) narrows a
// questionnaire or declaration to one district day. Returns ErrNotFound
// outside m's department.
func (s *Service) Stats(ctx context.Context, m *staff.Member, id int64, d string) (*Stats, error) {
	tx := s.db.WithContext(ctx)
	sv, err := s.owned(tx, m, id)
	if err != nil {
		return nil, err
	}
	st := &Stats{SurveyID: sv.ID, Kind: sv.Kind, Questions: []QuestionStats{}, ByStreet: []StreetStats{}}
	if sv.Kind == Quiz {
		err = s.quizStats(tx, sv, st)
	} else {
		st.Day = d
		err = s.responseStats(tx, sv, d, st)
	}
	if err != nil {
		return nil, fmt.Errorf("survey stats: %w", err)
	}
	return st, nil
}

func (s *Service) quizStats(tx *gorm.DB, sv *Survey, st *Stats) error {
	done := func() *gorm.DB {
		return tx.Table("survey_attempts").Where("survey_id = ? AND submitted_at IS NOT NULL", sv.ID)
	}
	var tot struct {
		Participants, Submissions, Fast int64
		Avg                             float64
	}
	if err := done().Select("COUNT(DISTINCT resident_id) AS participants, COUNT(*) AS submissions, " +
		"COALESCE(SUM(CASE WHEN fast THEN 1 ELSE 0 END), 0) AS fast, COALESCE(AVG(score), 0) AS avg").Scan(&tot).Error; err != nil {
		return err
	}
	if err := done().Where("passed").Distinct("resident_id").Count(&st.Passed).Error; err != nil {
		return err
	}
	st.Participants, st.Submissions, st.FastAttempts = tot.Participants, tot.Submissions, tot.Fast
	st.AverageScore = float64(int(tot.Avg*10+0.5)) / 10
	st.PassRate = rate(st.Passed, st.Participants)

	var streets []StreetStats
	if err := done().Select("street, COUNT(DISTINCT resident_id) AS participants, COUNT(*) AS submissions, " +
		"COUNT(DISTINCT CASE WHEN passed THEN resident_id END) AS passed").Group("street").Order("street").Scan(&streets).Error; err != nil {
		return err
	}
	for i := range streets {
		streets[i].PassRate = rate(streets[i].Passed, streets[i].Participants)
	}
	st.ByStreet = nonNilSlice(streets)

	var qs []struct {
		QuestionID int64
		Answered   int64
		Correct    int64
	}
	if err := tx.Table("survey_attempt_items").Where("survey_id = ?", sv.ID).
		Select("question_id, COUNT(*) AS answered, COALESCE(SUM(CASE WHEN correct THEN 1 ELSE 0 END), 0) AS correct").
		Group("question_id").Order("question_id").Scan(&qs).Error; err != nil {
		return err
	}
	ids := make([]int64, len(qs))
	for i, q := range qs {
		ids[i] = q.QuestionID
	}
	byID, err := s.questionsByID(tx, ids)
	if err != nil {
		return err
	}
	for _, q := range qs {
		r := rate(q.Correct, q.Answered)
		st.Questions = append(st.Questions, QuestionStats{
			QuestionID: q.QuestionID, Type: byID[q.QuestionID].Type, Stem: byID[q.QuestionID].Stem,
			Answered: q.Answered, CorrectRate: &r,
		})
	}
	return nil
}

func (s *Service) responseStats(tx *gorm.DB, sv *Survey, d string, st *Stats) error {
	resp := func() *gorm.DB {
		q := tx.Table("survey_responses").Where("survey_id = ?", sv.ID)
		if d != "" {
			q = q.Where("day = ?", d)
		}
		return q
	}
	var tot struct{ Participants, Submissions int64 }
	if err := resp().Select("COUNT(DISTINCT resident_id) AS participants, COUNT(*) AS submissions").Scan(&tot).Error; err != nil {
		return err
	}
	st.Participants, st.Submissions = tot.Participants, tot.Submissions
	var streets []StreetStats
	if err := resp().Select("street, COUNT(DISTINCT resident_id) AS participants, COUNT(*) AS submissions").
		Group("street").Order("street").Scan(&streets).Error; err != nil {
		return err
	}
	st.ByStreet = nonNilSlice(streets)

	its, err := s.items(tx, sv.ID)
	if err != nil {
		return err
	}
	var counts []struct {
		QuestionID int64
		Value      string
		N          int64
	}
	cq := tx.Table("survey_choices").Where("survey_id = ?", sv.ID)
	if d != "" {
		cq = cq.Where("day = ?", d)
	}
	if err := cq.Select("question_id, value, COUNT(*) AS n").Group("question_id, value").Scan(&counts).Error; err != nil {
		return err
	}
	var answered []struct {
		QuestionID int64
		N          int64
	}
	if err := cq.Session(&gorm.Session{}).Select("question_id, COUNT(DISTINCT response_id) AS n").Group("question_id").Scan(&answered).Error; err != nil {
		return err
	}
	for _, it := range its {
		qs := QuestionStats{QuestionID: it.ID, Type: it.Type, Stem: it.Stem}
		if it.Type != Text && it.Type != Number {
			qs.Distribution = map[string]int64{}
			for _, o := range it.Options {
				qs.Distribution[o] = 0
			}
		}
		for _, c := range counts {
			if c.QuestionID == it.ID && qs.Distribution != nil {
				qs.Distribution[c.Value] = c.N
			}
		}
		for _, a := range answered {
			if a.QuestionID == it.ID {
				qs.Answered = a.N
			}
		}
		st.Questions = append(st.Questions, qs)
	}
	return nil
}

// MissingResident is a targeted resident who has not responded.
type MissingResident struct {
	ResidentID int64  `json:"resident_id,string"`
	Nickname   string `json:"nickname"`
	Street     string `json:"street"`
	Community  string `json:"community"`
}

// missingQuery selects the survey's audience members within m's streets
// who gave no response on day d (any response, for a one-off survey).
func (s *Service) missingQuery(tx *gorm.DB, m *staff.Member, sv *Survey, d string) *gorm.DB {
	q := sv.Audience.Scope(tx.Table("residents"), s.now())
	if len(m.Streets) > 0 && !m.Has(staff.Superadmin) {
		q = q.Where("residents.street IN ?", m.Streets)
	}
	if sv.Recurrence == Daily {
		return q.Where("NOT EXISTS (SELECT 1 FROM survey_responses r WHERE r.survey_id = ? AND r.resident_id = residents.id AND r.day = ?)", sv.ID, d)
	}
	return q.Where("NOT EXISTS (SELECT 1 FROM survey_responses r WHERE r.survey_id = ? AND r.resident_id = residents.id)", sv.ID)
}

// Missing lists the targeted residents (within m's streets) who have not
// responded on day d, by ascending ID after the cursor, and the cursor of
// the next page (0 on the last). Returns ErrNotFound outside m's
// department, and an invalid_argument error for a quiz.
func (s *Service) Missing(ctx context.Context, m *staff.Member, id int64, d string, after int64, limit int) ([]MissingResident, int64, error) {
	tx := s.db.WithContext(ctx)
	sv, err := s.owned(tx, m, id)
	if err != nil {
		return nil, 0, err
	}
	if sv.Kind == Quiz {
		return nil, 0, errQuizHasNoMissing
	}
	var out []MissingResident
	err = s.missingQuery(tx, m, sv, d).Select("residents.id AS resident_id, residents.nickname, residents.street, residents.community").
		Where("residents.id > ?", after).Order("residents.id").Limit(limit + 1).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("missing residents: %w", err)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ResidentID
	}
	return out, next, nil
}

// Remind sends every targeted resident (within m's streets) who has not
// responded on day d an inbox notice, in one call to notify, idempotent on
// the survey, day and street scope. It returns how many were reminded.
func (s *Service) Remind(ctx context.Context, m *staff.Member, id int64, d string) (int, error) {
	tx := s.db.WithContext(ctx)
	sv, err := s.owned(tx, m, id)
	if err != nil {
		return 0, err
	}
	if sv.Kind == Quiz {
		return 0, errQuizHasNoMissing
	}
	var ids []int64
	for after := int64(0); ; {
		var batch []int64
		if err := s.missingQuery(tx, m, sv, d).Where("residents.id > ?", after).Order("residents.id").
			Limit(5000).Pluck("residents.id", &batch).Error; err != nil {
			return 0, fmt.Errorf("missing residents: %w", err)
		}
		ids = append(ids, batch...)
		if len(batch) < 5000 {
			break
		}
		after = batch[len(batch)-1]
	}
	if len(ids) == 0 {
		return 0, nil
	}
	source := fmt.Sprintf("survey:%d:remind:%s", sv.ID, d)
	if len(m.Streets) > 0 && !m.Has(staff.Superadmin) {
		streets := append([]string(nil), m.Streets...)
		sort.Strings(streets)
		source += ":streets:" + strings.Join(streets, ",")
	}
	category := "activity"
	if sv.Kind == Declaration {
		category = "health"
	}
	body := fmt.Sprintf("您尚未填写「%s」，请在小程序中完成。", sv.Title)
	if sv.Recurrence == Daily {
		body = fmt.Sprintf("您尚未填写 %s 的「%s」，请在小程序中完成。", d, sv.Title)
	}
	if err := s.notify.SendDirect(ctx, notify.DirectNotice{
		Title: "填报提醒：" + sv.Title, Body: body, Category: category, ResidentIDs: ids, Source: source,
	}); err != nil {
		return 0, fmt.Errorf("send reminders: %w", err)
	}
	return len(ids), nil
}

func nonNilSlice[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
