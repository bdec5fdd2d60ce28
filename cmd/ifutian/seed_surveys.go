package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/surveys"
)

// seedSurveys loads the starter bank of legal-education questions; running
// it twice changes nothing.
func (a *instance) seedSurveys(ctx context.Context, out io.Writer) error {
	n, err := a.Surveys.SeedStarter(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "surveys: %d starter questions added\n", n)
	return nil
}

// demoSurveys loads the surveys module's demo data for seed --demo: a
// published 民法典 quiz, an opinion questionnaire and a daily health
// declaration, created by demo_editor. Running it twice changes nothing.
func (a *instance) demoSurveys(ctx context.Context, out io.Writer) error {
	editor, err := a.Staff.Authenticate(ctx, "demo_editor", demoPassword)
	if err != nil {
		return fmt.Errorf("demo surveys: demo_editor: %w", err)
	}
	closes := time.Now().UTC().AddDate(0, 3, 0)
	pass := 60
	yes := true
	no := false
	demos := []surveys.NewSurvey{
		{
			Kind: surveys.Quiz, Title: "民法典知识竞答", Description: "每天一次，10 道题，60 分及格。",
			Draw: &surveys.Draw{Tags: []string{"民法典"}, Count: 10}, TimeLimitS: 600, AttemptsPerDay: 1,
			PassScore: &pass, PointsRule: "quiz_pass", ClosesAt: &closes,
		},
		{
			Kind: surveys.Questionnaire, Title: "社区普法活动满意度调查", ClosesAt: &closes,
			Questions: []surveys.QuestionRef{
				{Inline: &surveys.NewQuestion{Type: surveys.Rating, Stem: "您对本季度社区普法活动的总体满意度"}},
				{Inline: &surveys.NewQuestion{Type: surveys.Multi, Stem: "您希望了解哪些法律知识？",
					Options: []string{"民法典", "知识产权", "个人信息保护", "数据安全", "劳动合同"}}},
				{Inline: &surveys.NewQuestion{Type: surveys.Text, Stem: "其他意见和建议"}, Required: &no},
			},
		},
		{
			Kind: surveys.Declaration, Title: "每日健康申报", Recurrence: surveys.Daily, PointsRule: "declaration",
			Questions: []surveys.QuestionRef{
				{Inline: &surveys.NewQuestion{Type: surveys.Judge, Stem: "今日体温是否正常（低于 37.3℃）？"}, Required: &yes},
				{Inline: &surveys.NewQuestion{Type: surveys.Single, Stem: "今日健康状况",
					Options: []string{"良好", "有发热、咳嗽等症状", "其他不适"}}},
				{Inline: &surveys.NewQuestion{Type: surveys.Number, Stem: "今日体温（℃）"}, Required: &no},
			},
		},
	}
	ids := map[string]int64{}
	for _, d := range demos {
		id, err := a.Surveys.FindIDByTitle(ctx, editor.Scope().Department(), d.Title)
		if err != nil {
			return err
		}
		if id == 0 {
			sv, err := a.Surveys.Create(ctx, editor, d, a.Residents.Regions())
			if err != nil {
				return fmt.Errorf("demo survey %s: %w", d.Title, err)
			}
			if _, err := a.Surveys.Publish(ctx, editor, a.Residents.Regions(), sv.ID); err != nil {
				return fmt.Errorf("publish demo survey %s: %w", d.Title, err)
			}
			fmt.Fprintf(out, "surveys: published demo %s %q (id %d)\n", d.Kind, d.Title, sv.ID)
			id = sv.ID
		}
		ids[d.Title] = id
	}
	return a.demoSurveyAnswers(ctx, out, editor, ids["社区普法活动满意度调查"], ids["每日健康申报"])
}

// demoSurveyAnswers gives the survey screens something to show: a tagged
// question bank of the department, a draft, residents on four streets who
// answered the questionnaire and today's declaration, and a closed quiz
// with their scores. Answers already given are skipped.
func (a *instance) demoSurveyAnswers(ctx context.Context, out io.Writer, editor *staff.Member, questionnaire, declaration int64) error {
	regions := a.Residents.Regions()
	streets := []string{"华富街道", "莲花街道", "香蜜湖街道", "福田街道"}
	var people []int64
	for i := range 12 {
		r, _, err := a.Residents.Login(ctx, fmt.Sprintf("mock_survey%02d", i+1), "")
		if err != nil {
			return err
		}
		nick, street := fmt.Sprintf("答卷居民%02d", i+1), streets[i%len(streets)]
		if _, err := a.Residents.Update(ctx, r.ID, residents.Patch{Nickname: &nick, Street: &street}); err != nil {
			return fmt.Errorf("demo survey resident: %w", err)
		}
		people = append(people, r.ID)
	}
	answered := 0
	for _, sid := range []int64{questionnaire, declaration} {
		sv, err := a.Surveys.FindByID(ctx, editor, regions, sid)
		if err != nil {
			return err
		}
		// Two of three answer the questionnaire; most declare today.
		for i, rid := range people {
			if (sid == questionnaire && i%3 == 2) || (sid == declaration && i%4 == 3) {
				continue
			}
			_, err := a.Surveys.Respond(ctx, rid, sid, demoAnswers(sv.Questions, i))
			if errors.Is(err, surveys.ErrAlreadySubmitted) {
				continue
			}
			if err != nil {
				return fmt.Errorf("demo response to %q: %w", sv.Title, err)
			}
			answered++
		}
	}
	fmt.Fprintf(out, "surveys: %d demo responses\n", answered)

	const quizTitle = "2026 年度宪法知识竞答（已结束）"
	if id, err := a.Surveys.FindIDByTitle(ctx, editor.Scope().Department(), quizTitle); err != nil || id != 0 {
		return err
	}
	bank, err := a.Surveys.CreateQuestions(ctx, editor, []surveys.NewQuestion{
		{Type: surveys.Judge, Stem: "宪法是国家的根本法，具有最高的法律效力。", Answer: []string{"对"}, Article: "宪法序言", Tags: []string{"宪法", "竞答"}},
		{Type: surveys.Single, Stem: "每年的国家宪法日是哪一天？", Options: []string{"3月15日", "12月4日", "10月1日"}, Answer: []string{"12月4日"}, Tags: []string{"宪法", "竞答"}},
		{Type: surveys.Multi, Stem: "下列哪些属于公民的基本权利？", Options: []string{"选举权", "宗教信仰自由", "受教育权", "纳税"}, Answer: []string{"选举权", "宗教信仰自由", "受教育权"}, Tags: []string{"宪法"}},
		{Type: surveys.Judge, Stem: "居民委员会是基层群众性自治组织。", Answer: []string{"对"}, Article: "宪法第一百一十一条", Tags: []string{"宪法", "基层治理"}},
		{Type: surveys.Single, Stem: "社区矛盾纠纷首先可以向谁申请调解？", Options: []string{"人民调解委员会", "公安机关", "人民法院"}, Answer: []string{"人民调解委员会"}, Tags: []string{"基层治理"}},
	}, true)
	if err != nil {
		return fmt.Errorf("demo bank: %w", err)
	}
	refs := make([]surveys.QuestionRef, len(bank))
	for i, q := range bank {
		refs[i] = surveys.QuestionRef{ID: q.ID}
	}
	quiz, err := a.Surveys.Create(ctx, editor, surveys.NewSurvey{Kind: surveys.Quiz, Title: quizTitle,
		Description: "五道宪法与基层治理题，60 分及格。", Questions: refs}, regions)
	if err != nil {
		return fmt.Errorf("demo quiz: %w", err)
	}
	if _, err := a.Surveys.Publish(ctx, editor, regions, quiz.ID); err != nil {
		return err
	}
	// Attempts are submitted as if a minute later, so none counts as
	// implausibly fast: the services' clock moves on a minute for each
	// submission.
	defer a.clock.Reset()
	for i, rid := range people {
		a.clock.Reset()
		at, err := a.Surveys.Start(ctx, rid, quiz.ID)
		if err != nil {
			return fmt.Errorf("demo attempt: %w", err)
		}
		answers := map[string][]string{}
		for j, q := range bank {
			if ((j-i)%5+5)%5 < i%4 { // 0 to 3 wrong: scores from 100 down to 40
				answers[strconv.FormatInt(q.ID, 10)] = []string{q.Options[len(q.Options)-1]}
				continue
			}
			answers[strconv.FormatInt(q.ID, 10)] = q.Answer
		}
		a.clock.Add(time.Minute)
		if _, err := a.Surveys.Submit(ctx, rid, at.AttemptID, answers); err != nil {
			return fmt.Errorf("demo submit: %w", err)
		}
	}
	a.clock.Reset()
	if _, err := a.Surveys.Close(ctx, editor, regions, quiz.ID); err != nil {
		return err
	}
	draft := surveys.NewSurvey{Kind: surveys.Questionnaire, Title: "法律援助需求调查（草稿）", Audience: notify.Audience{Streets: []string{"华富街道"}},
		Questions: []surveys.QuestionRef{{ID: bank[4].ID}, {Inline: &surveys.NewQuestion{Type: surveys.Text, Stem: "您遇到过哪些需要法律帮助的问题？"}}}}
	if _, err := a.Surveys.Create(ctx, editor, draft, regions); err != nil {
		return fmt.Errorf("demo draft: %w", err)
	}
	fmt.Fprintf(out, "surveys: a closed demo quiz with %d attempts, a draft, %d bank questions\n", len(people), len(bank))
	return nil
}

// demoAnswers answers a survey's questions as the i-th demo resident would.
func demoAnswers(qs []surveys.SurveyItem, i int) map[string][]string {
	out := map[string][]string{}
	for j, q := range qs {
		key := strconv.FormatInt(q.ID, 10)
		switch q.Type {
		case surveys.Judge:
			out[key] = []string{q.Options[(i/5)%2]}
		case surveys.Single:
			out[key] = []string{q.Options[(i*7+j)%len(q.Options)]}
		case surveys.Rating: // mostly content
			out[key] = []string{q.Options[len(q.Options)-1-(i%3)]}
		case surveys.Multi:
			out[key] = []string{q.Options[i%len(q.Options)], q.Options[(i+2)%len(q.Options)]}
		case surveys.Number:
			out[key] = []string{fmt.Sprintf("36.%d", 2+i%7)}
		case surveys.Text:
			if i%2 == 0 {
				out[key] = []string{[]string{"希望多举办线上讲座", "希望讲讲租房合同", "活动时间可以安排在周末", "内容很实用"}[i/2%4]}
			}
		}
	}
	return out
}
