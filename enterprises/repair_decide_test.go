package enterprises

import (
	"slices"
	"testing"
	"time"

	"github.com/futian/ifutian/enterprises/members"
)

func TestDecideRepair(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	later := func(d time.Duration) time.Time { return now.Add(d) }
	day := 24 * time.Hour
	ok := func(ends time.Time) repairDecision { return repairDecision{Repairable: true, EndsAt: ends} }
	no := func(b RepairBlock) repairDecision { return repairDecision{Block: b} }
	for _, tc := range []struct {
		name string
		f    repairFacts
		want repairDecision
	}{
		{"MinorEndsNow", repairFacts{Kind: KindPenalty, Severity: Minor, OccurredAt: ago(10 * day), ExpiresAt: later(80 * day), HasCourse: true}, ok(now)},
		{"GeneralPastShortestEndsNow", repairFacts{Kind: KindArrears, Severity: General, OccurredAt: ago(100 * day), ExpiresAt: later(200 * day), HasCourse: true}, ok(now)},
		{"GeneralBeforeShortestEndsAtIt", repairFacts{Kind: KindPenalty, Severity: General, OccurredAt: ago(30 * day), ExpiresAt: later(300 * day), HasCourse: true}, ok(ago(30 * day).Add(3 * month))},
		{"GeneralShortestIsItsEnd", repairFacts{Kind: KindComplaint, Severity: General, OccurredAt: ago(30 * day), ExpiresAt: ago(30 * day).Add(3 * month), HasCourse: true}, ok(ago(30 * day).Add(3 * month))},
		{"Serious", repairFacts{Kind: KindPenalty, Severity: Serious, OccurredAt: ago(400 * day), ExpiresAt: later(300 * day), HasCourse: true}, no(BlockSerious)},
		{"UnknownSeverityIsNotRepairable", repairFacts{Kind: KindPenalty, Severity: "", OccurredAt: ago(day), ExpiresAt: later(day), HasCourse: true}, no(BlockSerious)},
		{"Honor", repairFacts{Kind: KindHonor, Severity: Minor, OccurredAt: ago(day), ExpiresAt: later(day), HasCourse: true}, no(BlockNotAdverse)},
		{"TaxGrade", repairFacts{Kind: KindTaxGrade, Severity: General, OccurredAt: ago(day), ExpiresAt: later(day), HasCourse: true}, no(BlockNotAdverse)},
		{"Revoked", repairFacts{Kind: KindPenalty, Severity: Minor, OccurredAt: ago(day), ExpiresAt: later(day), Revoked: true, HasCourse: true}, no(BlockRevoked)},
		{"AlreadyRepaired", repairFacts{Kind: KindPenalty, Severity: Minor, OccurredAt: ago(day), ExpiresAt: now, Repaired: true, HasCourse: true}, no(BlockRepaired)},
		{"Expired", repairFacts{Kind: KindPenalty, Severity: Minor, OccurredAt: ago(90 * day), ExpiresAt: now, HasCourse: true}, no(BlockNotCounted)},
		{"NotYetOccurred", repairFacts{Kind: KindPenalty, Severity: Minor, OccurredAt: later(day), ExpiresAt: later(80 * day), HasCourse: true}, no(BlockNotCounted)},
		{"NoCourse", repairFacts{Kind: KindPenalty, Severity: Minor, OccurredAt: ago(day), ExpiresAt: later(day)}, no(BlockNoCourse)},
		{"SeriousWithoutCourseSaysSerious", repairFacts{Kind: KindPenalty, Severity: Serious, OccurredAt: ago(day), ExpiresAt: later(400 * day)}, no(BlockSerious)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decideRepair(tc.f, now)
			if got.Repairable != tc.want.Repairable || got.Block != tc.want.Block || !got.EndsAt.Equal(tc.want.EndsAt) {
				t.Fatalf("decideRepair=%+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestAudienceVocabulary: the kinds and severities the audiences of
// enterprises/members take (the one list, which Enum returns) are exactly
// the model's constants.
func TestAudienceVocabulary(t *testing.T) {
	kinds := []Kind{KindPenalty, KindCommitmentBreach, KindArrears, KindComplaint, KindHonor, KindTaxGrade}
	if len(kinds) != len(members.Kinds()) {
		t.Fatalf("members.Kinds %v, model %v", members.Kinds(), kinds)
	}
	for _, k := range kinds {
		if !slices.Contains(members.Kinds(), string(k)) {
			t.Errorf("kind %q missing from members.Kinds", k)
		}
	}
	severities := []Severity{Minor, General, Serious}
	if len(severities) != len(members.Severities()) {
		t.Fatalf("members.Severities %v, model %v", members.Severities(), severities)
	}
	for _, v := range severities {
		if !slices.Contains(members.Severities(), string(v)) {
			t.Errorf("severity %q missing from members.Severities", v)
		}
	}
}
