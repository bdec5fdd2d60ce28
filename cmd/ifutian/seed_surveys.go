package main

import (
	"context"
	"fmt"
	"io"
	"time"

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
	for _, d := range demos {
		id, err := a.Surveys.FindIDByTitle(ctx, editor.Scope().Department(), d.Title)
		if err != nil {
			return err
		}
		if id != 0 {
			continue
		}
		sv, err := a.Surveys.Create(ctx, editor, d, a.Residents.Regions())
		if err != nil {
			return fmt.Errorf("demo survey %s: %w", d.Title, err)
		}
		if _, err := a.Surveys.Publish(ctx, editor, a.Residents.Regions(), sv.ID); err != nil {
			return fmt.Errorf("publish demo survey %s: %w", d.Title, err)
		}
		fmt.Fprintf(out, "surveys: published demo %s %q (id %d)\n", d.Kind, d.Title, sv.ID)
	}
	return nil
}
