package notify

// Purposes group the system messages by the screen where a resident asks
// for them: the mini program asks for a purpose's templates when the
// resident acts there (submits a request, signs up, …).
var purposes = []struct {
	name  string
	kinds []SystemKind
}{
	{"requests", []SystemKind{KindRequestAccepted, KindRequestAnswered, KindRequestMerged, KindRequestExtended, KindRequestRedone}},
	{"activities", []SystemKind{KindActivityCancelled, KindActivityPromoted}},
	{"points", []SystemKind{KindDeductionRecorded, KindAppealDecided, KindDeductionRepaired}},
	{"enterprises", []SystemKind{KindCreditRecorded, KindGradeChanged, KindObjectionDecided, KindBenefitMatched, KindEnterpriseReferral, KindRepairDecided}},
	{"surveys", []SystemKind{KindSurveyReminder}},
}

// MaxTemplatesPerAsk is how many templates one wx.requestSubscribeMessage
// call may name.
const MaxTemplatesPerAsk = 3

// SubscribeAsk is one wx.requestSubscribeMessage call: at most
// MaxTemplatesPerAsk templates of one purpose, all one-time or all
// long-term (WeChat refuses a call that mixes them).
type SubscribeAsk struct {
	Purpose     string       `json:"purpose" doc:"where to ask: requests (submitting a request), activities (signing up for an activity), points (the points screen), enterprises (the enterprise screen), surveys (the quiz screen)"`
	LongTerm    bool         `json:"long_term" doc:"long-term subscription templates (长期订阅); never in the same call as one-time ones"`
	TemplateIDs []string     `json:"template_ids" doc:"at most 3 (MaxTemplatesPerAsk)"`
	Kinds       []SystemKind `json:"kinds" doc:"the system messages these templates carry (e.g. request_answered)"`
}

// SubscribeAsks lists the configured system messages' templates as the
// calls a client makes to ask for them, by purpose (in the order of
// purposes), one-time before long-term. A template serving two kinds of
// a purpose is asked for once; kinds with no template are left out.
func (s *Service) SubscribeAsks() []SubscribeAsk {
	c := s.config()
	return subscribeAsks(c.Templates, c.longTerm)
}

func subscribeAsks(templates map[SystemKind]KindTemplate, longTerm map[string]bool) []SubscribeAsk {
	out := []SubscribeAsk{}
	for _, p := range purposes {
		for _, lt := range []bool{false, true} {
			first := len(out)         // this purpose's asks of this kind of consent start here
			asked := map[string]int{} // template → its ask in out
			for _, k := range p.kinds {
				t, ok := templates[k]
				if !ok || longTerm[t.TemplateID] != lt {
					continue
				}
				if i, ok := asked[t.TemplateID]; ok {
					out[i].Kinds = append(out[i].Kinds, k)
					continue
				}
				if len(out) == first || len(out[len(out)-1].TemplateIDs) == MaxTemplatesPerAsk {
					out = append(out, SubscribeAsk{Purpose: p.name, LongTerm: lt, TemplateIDs: []string{}, Kinds: []SystemKind{}})
				}
				i := len(out) - 1
				asked[t.TemplateID] = i
				out[i].TemplateIDs = append(out[i].TemplateIDs, t.TemplateID)
				out[i].Kinds = append(out[i].Kinds, k)
			}
		}
	}
	return out
}
