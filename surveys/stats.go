package surveys

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

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
	Kind         Kind            `json:"kind"`
	Day          string          `json:"day,omitempty"`
	Participants int64           `json:"participants" doc:"Distinct residents who submitted."`
	Submissions  int64           `json:"submissions"`
	Passed       int64           `json:"passed,omitempty" doc:"Quiz: residents with at least one passing attempt."`
	PassRate     float64         `json:"pass_rate" doc:"passed / participants (quiz)."`
	AverageScore float64         `json:"average_score,omitempty"`
	FastAttempts int64           `json:"fast_attempts" doc:"Quiz attempts submitted in under 2 s per question: implausibly fast."`
	Questions    []QuestionStats `json:"questions"`
	ByStreet     []StreetStats   `json:"by_street" doc:"Per street within the caller's streets: every street the audience reaches or that answered, by name."`
	Scores       []ScoreBucket   `json:"score_distribution" doc:"Quiz: submitted attempts in ten score ranges 0–10, 10–20, …, 90–100 (from included, to excluded except 100). Empty for questionnaires and declarations."`
}

// QuestionStats is one question's figures. Answered counts the responses
// (quiz: attempts) that answered it. A quiz question has its correct rate;
// a choice or rating question the count of each option; a number question
// its min, max and mean and the count of each number given (of ranges,
// when there are many); a text question its latest answers.
type QuestionStats struct {
	QuestionID   int64            `json:"question_id,string"`
	Type         QuestionType     `json:"type"`
	Stem         string           `json:"stem"`
	Answered     int64            `json:"answered" doc:"Responses (quiz: attempts) that answered the question."`
	CorrectRate  *float64         `json:"correct_rate,omitempty" doc:"Quiz: share of attempts with full credit."`
	Distribution map[string]int64 `json:"distribution,omitempty" doc:"Choice and rating questions: option → count. Number questions: number → count, or, past 10 distinct numbers, range “from–to” → count. Text questions have none."`
	Min          *float64         `json:"min,omitempty" doc:"Number questions: the smallest answer."`
	Max          *float64         `json:"max,omitempty" doc:"Number questions: the largest answer."`
	Mean         *float64         `json:"mean,omitempty" doc:"Number questions: the mean, to two decimals."`
	Latest       []TextAnswer     `json:"latest,omitempty" doc:"Text questions: the latest 10 answers, newest first (answers erased by retention are gone)."`
}

// TextAnswer is one answer to a text question, shown in statistics.
type TextAnswer struct {
	ResponseID  int64     `json:"response_id,string"`
	Answer      string    `json:"answer"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// latestTexts is how many answers of a text question statistics show.
const latestTexts = 10

// StreetStats is one street's figures: Audience is how many residents of
// the street the survey targets now, ResponseRate participants / audience.
type StreetStats struct {
	Street       string  `json:"street"`
	Audience     int64   `json:"audience" doc:"Residents of the street the survey targets now (within the caller's streets)."`
	Participants int64   `json:"participants"`
	Submissions  int64   `json:"submissions"`
	Passed       int64   `json:"passed"`
	PassRate     float64 `json:"pass_rate"`
	ResponseRate float64 `json:"response_rate" doc:"participants / audience (0 when there is no audience)."`
}

func rate(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Stats returns a survey's statistics; d ("" for all days) narrows a
// questionnaire or declaration to one district day. Only answers from
// m's streets count. Answers erased by retention still count, through
// their anonymous tallies. Returns ErrNotFound outside m's department.
func (s *Service) Stats(ctx context.Context, m *staff.Member, id int64, d string) (*Stats, error) {
	tx := s.db.WithContext(ctx)
	by := m.Scope()
	sv, err := s.owned(tx, by, id)
	if err != nil {
		return nil, err
	}
	st := &Stats{SurveyID: sv.ID, Kind: sv.Kind, Questions: []QuestionStats{}, ByStreet: []StreetStats{}, Scores: []ScoreBucket{}}
	if sv.Kind == Quiz {
		err = s.quizStats(tx, by, sv, st)
	} else {
		st.Day = d
		err = s.responseStats(tx, by, sv, d, st)
	}
	if err != nil {
		return nil, fmt.Errorf("survey stats: %w", err)
	}
	audience, err := s.audienceByStreet(tx, by, sv)
	if err != nil {
		return nil, err
	}
	st.ByStreet = byStreet(st.ByStreet, audience)
	return st, nil
}

// tallied selects a survey's tallies (survey_question_tallies or
// survey_value_tallies) in scope, of day d ("" for every day).
func tallied(tx *gorm.DB, by staff.Scope, table string, surveyID int64, d string) *gorm.DB {
	q := tx.Table(table).Where("survey_id = ?", surveyID)
	if d != "" {
		q = q.Where("day = ?", d)
	}
	return by.Filter(q, staff.Columns{Street: "street"})
}

// perQuestion is a count of one question (or of one of its values).
type perQuestion struct {
	QuestionID int64
	Value      string
	N          int64
	Correct    int64
}

func (s *Service) quizStats(tx *gorm.DB, by staff.Scope, sv *Survey, st *Stats) error {
	done := func() *gorm.DB {
		q := tx.Table("survey_attempts").Where("survey_id = ? AND submitted_at IS NOT NULL", sv.ID)
		return by.Filter(q, staff.Columns{Street: "street"})
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

	// Attempts keep their score when retention erases their answers.
	var scores []struct {
		Score int
		N     int64
	}
	if err := done().Select("score, COUNT(*) AS n").Group("score").Scan(&scores).Error; err != nil {
		return err
	}
	byScore := map[int]int64{}
	for _, sc := range scores {
		byScore[sc.Score] += sc.N
	}
	st.Scores = histogram(byScore)

	// The items of attempts not yet erased, and the tallies of erased ones.
	var live, erased []perQuestion
	items := tx.Table("survey_attempt_items i").Joins("JOIN survey_attempts a ON a.id = i.attempt_id").Where("i.survey_id = ?", sv.ID)
	if err := by.Filter(items, staff.Columns{Street: "a.street"}).
		Select("i.question_id, COUNT(*) AS n, COALESCE(SUM(CASE WHEN i.correct THEN 1 ELSE 0 END), 0) AS correct").
		Group("i.question_id").Scan(&live).Error; err != nil {
		return err
	}
	if err := tallied(tx, by, "survey_question_tallies", sv.ID, "").
		Select("question_id, SUM(answered) AS n, SUM(correct) AS correct").Group("question_id").Scan(&erased).Error; err != nil {
		return err
	}
	sum := map[int64]*perQuestion{}
	for _, q := range append(live, erased...) {
		if sum[q.QuestionID] == nil {
			sum[q.QuestionID] = &perQuestion{QuestionID: q.QuestionID}
		}
		sum[q.QuestionID].N += q.N
		sum[q.QuestionID].Correct += q.Correct
	}
	ids := make([]int64, 0, len(sum))
	for id := range sum {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	byID, err := s.questionsByID(tx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		q := sum[id]
		r := rate(q.Correct, q.N)
		st.Questions = append(st.Questions, QuestionStats{
			QuestionID: id, Type: byID[id].Type, Stem: byID[id].Stem, Answered: q.N, CorrectRate: &r,
		})
	}
	return nil
}

// choices selects a survey's survey_choices rows of responses in scope,
// of day d ("" for every day), as c joined with their response r.
func choices(tx *gorm.DB, by staff.Scope, surveyID int64, d string) *gorm.DB {
	q := tx.Table("survey_choices c").Joins("JOIN survey_responses r ON r.id = c.response_id").Where("c.survey_id = ?", surveyID)
	if d != "" {
		q = q.Where("c.day = ?", d)
	}
	return by.Filter(q, staff.Columns{Street: "r.street"})
}

func (s *Service) responseStats(tx *gorm.DB, by staff.Scope, sv *Survey, d string, st *Stats) error {
	resp := func() *gorm.DB {
		q := tx.Table("survey_responses").Where("survey_id = ?", sv.ID)
		if d != "" {
			q = q.Where("day = ?", d)
		}
		return by.Filter(q, staff.Columns{Street: "street"})
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
	// Answers not yet erased are counted from survey_choices; erased ones
	// from their tallies, kept by the same day and street.
	var values, answered []perQuestion
	for _, c := range []struct {
		into *[]perQuestion
		q    *gorm.DB
	}{
		{&values, choices(tx, by, sv.ID, d).Select("c.question_id, c.value, COUNT(*) AS n").Group("c.question_id, c.value")},
		{&values, tallied(tx, by, "survey_value_tallies", sv.ID, d).Select("question_id, value, SUM(n) AS n").Group("question_id, value")},
		{&answered, choices(tx, by, sv.ID, d).Select("c.question_id, COUNT(DISTINCT c.response_id) AS n").Group("c.question_id")},
		{&answered, tallied(tx, by, "survey_question_tallies", sv.ID, d).Select("question_id, SUM(answered) AS n").Group("question_id")},
	} {
		var part []perQuestion
		if err := c.q.Scan(&part).Error; err != nil {
			return err
		}
		*c.into = append(*c.into, part...)
	}

	for _, it := range its {
		qs := QuestionStats{QuestionID: it.ID, Type: it.Type, Stem: it.Stem}
		for _, a := range answered {
			if a.QuestionID == it.ID {
				qs.Answered += a.N
			}
		}
		counts := map[string]int64{}
		for _, v := range values {
			if v.QuestionID == it.ID {
				counts[v.Value] += v.N
			}
		}
		switch it.Type {
		case Text:
			if qs.Latest, err = s.latestTexts(tx, by, sv.ID, it.ID, d); err != nil {
				return err
			}
		case Number:
			n := summarizeNumbers(counts)
			qs.Min, qs.Max, qs.Mean, qs.Distribution = n.Min, n.Max, n.Mean, n.Distribution
		default:
			qs.Distribution = map[string]int64{}
			for _, o := range it.Options {
				qs.Distribution[o] = 0
			}
			for v, n := range counts {
				qs.Distribution[v] += n
			}
		}
		st.Questions = append(st.Questions, qs)
	}
	return nil
}

// latestTexts returns the newest answers to text question qid in scope
// (of day d, "" for every day), newest first; erased answers are gone.
func (s *Service) latestTexts(tx *gorm.DB, by staff.Scope, surveyID, qid int64, d string) ([]TextAnswer, error) {
	var rows []struct {
		ID          int64
		Answers     string
		SubmittedAt time.Time
	}
	err := choices(tx, by, surveyID, d).Where("c.question_id = ? AND c.value = ''", qid).
		Select("r.id, r.answers, r.submitted_at").Order("c.response_id DESC").Limit(latestTexts).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := []TextAnswer{}
	key := strconv.FormatInt(qid, 10)
	for _, r := range rows {
		var answers map[string][]string
		if err := json.Unmarshal([]byte(r.Answers), &answers); err != nil {
			return nil, fmt.Errorf("response %d answers: %w", r.ID, err)
		}
		if vs := answers[key]; len(vs) > 0 {
			out = append(out, TextAnswer{ResponseID: r.ID, Answer: vs[0], SubmittedAt: r.SubmittedAt})
		}
	}
	return out, nil
}

// numberSummary is a number question's figures.
type numberSummary struct {
	Min, Max, Mean *float64
	Distribution   map[string]int64
}

// maxNumberBuckets is how many distinct numbers a distribution shows one
// by one; more are counted in that many equal ranges from min to max.
const maxNumberBuckets = 10

// summarizeNumbers works out a number question's figures from the count
// of each value given, as given ("36.5" and "36.50" are one number). It is
// a function of the counts alone, whatever their order, so statistics
// from tallies equal those from the answers. The mean is rounded to two
// decimals.
func summarizeNumbers(counts map[string]int64) numberSummary {
	byNumber := map[float64]int64{}
	for v, n := range counts {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || n <= 0 {
			continue
		}
		byNumber[f] += n
	}
	out := numberSummary{Distribution: map[string]int64{}}
	if len(byNumber) == 0 {
		return out
	}
	nums := make([]float64, 0, len(byNumber))
	for f := range byNumber {
		nums = append(nums, f)
	}
	slices.Sort(nums)
	var total int64
	var sum float64
	for _, f := range nums {
		total += byNumber[f]
		sum += f * float64(byNumber[f])
	}
	lo, hi := nums[0], nums[len(nums)-1]
	mean := math.Round(sum/float64(total)*100) / 100
	out.Min, out.Max, out.Mean = &lo, &hi, &mean
	if len(nums) <= maxNumberBuckets {
		for _, f := range nums {
			out.Distribution[formatNumber(f)] = byNumber[f]
		}
		return out
	}
	width := (hi - lo) / maxNumberBuckets
	for _, f := range nums {
		i := min(int((f-lo)/width), maxNumberBuckets-1)
		from, to := lo+float64(i)*width, lo+float64(i+1)*width
		if i == maxNumberBuckets-1 {
			to = hi
		}
		out.Distribution[formatNumber(from)+"–"+formatNumber(to)] += byNumber[f]
	}
	return out
}

// formatNumber writes f with at most four decimals.
func formatNumber(f float64) string {
	return strconv.FormatFloat(math.Round(f*1e4)/1e4, 'f', -1, 64)
}

func nonNilSlice[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
