package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/surveys"
)

// demoCreditRepair (issue 29) puts a record of alice's enterprise (示范科技: its
// minor complaint) under credit repair, awaiting demo_credit's review: the
// department's course for complaints is a quiz sent to the members of
// enterprises with a complaint record (an audience by credit records),
// which alice passed; she submitted the enterprise's commitment. Running
// it twice changes nothing.
func (a *instance) demoCreditRepair(ctx context.Context, out io.Writer) error {
	editor, err := a.Staff.Authenticate(ctx, "demo_editor", demoPassword)
	if err != nil {
		return fmt.Errorf("demo repair: demo_editor: %w", err)
	}
	officer, err := a.Staff.Authenticate(ctx, "demo_credit", demoPassword)
	if err != nil {
		return fmt.Errorf("demo repair: demo_credit: %w", err)
	}
	const title = "信用修复·消费者权益保护法学习"
	quiz, err := a.Surveys.FindIDByTitle(ctx, editor.Scope().Department(), title)
	if err != nil {
		return err
	}
	if quiz == 0 {
		pass := 60
		closes := time.Now().UTC().AddDate(1, 0, 0)
		sv, err := a.Surveys.Create(ctx, editor, surveys.NewSurvey{
			Kind: surveys.Quiz, Title: title, Description: "有经核实投诉记录的企业完成本测验并提交信用承诺书，可申请信用修复。",
			Audience: notify.Audience{EnterpriseRecordKinds: []string{string(enterprises.KindComplaint)}},
			Questions: []surveys.QuestionRef{
				{Inline: &surveys.NewQuestion{Type: surveys.Judge, Stem: "经营者应当保证其提供的商品或者服务符合保障人身、财产安全的要求。", Answer: []string{"对"}}},
				{Inline: &surveys.NewQuestion{Type: surveys.Judge, Stem: "经营者可以以格式条款排除消费者依法享有的权利。", Answer: []string{"错"}}},
			},
			TimeLimitS: 600, AttemptsPerDay: 3, PassScore: &pass, ClosesAt: &closes,
		}, a.Residents.Regions())
		if err != nil {
			return fmt.Errorf("demo repair quiz: %w", err)
		}
		if _, err := a.Surveys.Publish(ctx, editor, a.Residents.Regions(), sv.ID); err != nil {
			return fmt.Errorf("publish demo repair quiz: %w", err)
		}
		quiz = sv.ID
	}
	if _, _, err := a.Enterprises.PutCourse(ctx, officer, enterprises.CourseInput{Kind: enterprises.KindComplaint, SurveyID: quiz, PassScore: 80}); err != nil {
		return fmt.Errorf("demo repair course: %w", err)
	}
	alice, _, err := a.Residents.Login(ctx, "mock_alice", "")
	if err != nil {
		return err
	}
	uscc := enterprises.CompleteUSCC("91440304MA5FTD001")
	list, err := a.Enterprises.RecordRepairs(ctx, alice.ID, uscc)
	if err != nil {
		return fmt.Errorf("demo repair: %w", err)
	}
	for _, r := range list {
		if r.Kind != enterprises.KindComplaint || r.Status != enterprises.RepairNone || !r.Repairable {
			continue
		}
		at, err := a.Surveys.Start(ctx, alice.ID, quiz)
		if err != nil {
			return fmt.Errorf("demo repair attempt: %w", err)
		}
		answers := map[string][]string{}
		for _, q := range at.Questions {
			answers[strconv.FormatInt(q.ID, 10)] = []string{"对"}
			if strings.Contains(q.Stem, "格式条款") {
				answers[strconv.FormatInt(q.ID, 10)] = []string{"错"}
			}
		}
		if _, err := a.Surveys.Submit(ctx, alice.ID, at.AttemptID, answers); err != nil {
			return fmt.Errorf("demo repair submit: %w", err)
		}
		if _, _, err := a.Enterprises.StartRepair(ctx, alice.ID, uscc, r.RecordID, enterprises.RepairStart{AttemptID: at.AttemptID}); err != nil {
			return fmt.Errorf("demo repair start: %w", err)
		}
		if _, err := a.Enterprises.Commit(ctx, alice.ID, uscc, r.RecordID, enterprises.Commitment{
			Text: "本企业已对经核实的投诉逐项整改，建立售后响应制度（24 小时内回复），并承诺今后严格遵守《消费者权益保护法》，自愿接受监督。",
		}); err != nil {
			return fmt.Errorf("demo repair commitment: %w", err)
		}
		fmt.Fprintf(out, "demo credit repair: alice's enterprise %s awaits demo_credit's review (record %d)\n", uscc, r.RecordID)
	}
	return nil
}
