package notify

import (
	"reflect"
	"testing"
)

func TestSubscribeAsks(t *testing.T) {
	tpl := func(id string) KindTemplate { return KindTemplate{TemplateID: id} }
	for _, tc := range []struct {
		name      string
		templates map[SystemKind]KindTemplate
		longTerm  []string
		want      []SubscribeAsk
	}{
		{name: "None", want: []SubscribeAsk{}},
		{
			name:      "ByPurpose",
			templates: map[SystemKind]KindTemplate{KindRequestAnswered: tpl("R2"), KindRequestAccepted: tpl("R1"), KindActivityPromoted: tpl("A1")},
			want: []SubscribeAsk{
				{Purpose: "requests", TemplateIDs: []string{"R1", "R2"}, Kinds: []SystemKind{KindRequestAccepted, KindRequestAnswered}},
				{Purpose: "activities", TemplateIDs: []string{"A1"}, Kinds: []SystemKind{KindActivityPromoted}},
			},
		},
		{
			name:      "SharedTemplateAskedOnce",
			templates: map[SystemKind]KindTemplate{KindRequestAccepted: tpl("R"), KindRequestAnswered: tpl("R")},
			want:      []SubscribeAsk{{Purpose: "requests", TemplateIDs: []string{"R"}, Kinds: []SystemKind{KindRequestAccepted, KindRequestAnswered}}},
		},
		{
			name:      "LongTermApart",
			templates: map[SystemKind]KindTemplate{KindRequestAccepted: tpl("R1"), KindRequestAnswered: tpl("LT")},
			longTerm:  []string{"LT"},
			want: []SubscribeAsk{
				{Purpose: "requests", TemplateIDs: []string{"R1"}, Kinds: []SystemKind{KindRequestAccepted}},
				{Purpose: "requests", LongTerm: true, TemplateIDs: []string{"LT"}, Kinds: []SystemKind{KindRequestAnswered}},
			},
		},
		{
			name: "AtMostThreePerAsk",
			templates: map[SystemKind]KindTemplate{KindCreditRecorded: tpl("E1"), KindGradeChanged: tpl("E2"),
				KindObjectionDecided: tpl("E3"), KindBenefitMatched: tpl("E4")},
			want: []SubscribeAsk{
				{Purpose: "enterprises", TemplateIDs: []string{"E1", "E2", "E3"}, Kinds: []SystemKind{KindCreditRecorded, KindGradeChanged, KindObjectionDecided}},
				{Purpose: "enterprises", TemplateIDs: []string{"E4"}, Kinds: []SystemKind{KindBenefitMatched}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt := map[string]bool{}
			for _, id := range tc.longTerm {
				lt[id] = true
			}
			if got := subscribeAsks(tc.templates, lt); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("asks=%+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestEveryKindHasAPurpose: a new kind of system message must say where
// residents ask for it, or its template would never be asked for.
func TestEveryKindHasAPurpose(t *testing.T) {
	seen := map[SystemKind]int{}
	for _, p := range purposes {
		for _, k := range p.kinds {
			seen[k]++
		}
	}
	for k := range kindFields {
		if seen[k] != 1 {
			t.Errorf("kind %s is in %d purposes, want 1", k, seen[k])
		}
	}
}
