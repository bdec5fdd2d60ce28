package requests

import "slices"

// The closed vocabularies of the API: each type's Enum lists its values,
// which the document states and the API's checks hold requests to.

// Status is where a request stands: the statuses of a request's life
// (Statuses) and issue 25's merged and with_enterprise.
type Status string

// Enum lists the statuses.
func (Status) Enum() []string {
	return append(slices.Clone(Statuses), StatusMerged, StatusWithEnterprise)
}

// Action is a step of a request's history.
type Action string

// Actions lists the steps a history records.
var Actions = []string{ActSubmit, ActDispatch, ActSign, ActReturn, ActRefuseReturn, ActAccept, ActTransfer, ActStart,
	ActAskExtension, ActApproveExt, ActRefuseExt, ActUrge, ActSupervise, ActAnswerSupervis, ActAnswer, ActRate,
	ActCallback, ActRedo, ActReopen, ActClose, ActEscalate}

// Enum lists the actions: those of a request's life and issue 25's merge
// and referral steps.
func (Action) Enum() []string {
	return append(slices.Clone(Actions), ActMerge, ActMergedIn, ActUnmerge, ActFollow, ActRefer, ActEnterpriseDone,
		ActReferralExpire)
}

// Queue names a staff list (Queues).
type Queue string

// Enum lists the queues.
func (Queue) Enum() []string { return Queues }

// MineState narrows a resident's list: open or closed.
type MineState string

// Enum lists the states.
func (MineState) Enum() []string { return []string{MineOpen, MineClosed} }

// ReturnCode is a reason of a return from the fixed list.
type ReturnCode string

// Enum lists the reasons.
func (ReturnCode) Enum() []string {
	out := make([]string, len(ReturnReasons))
	for i, r := range ReturnReasons {
		out[i] = r.Code
	}
	return out
}

// Decision is where a return or an extension stands.
type Decision string

// Enum lists the decisions.
func (Decision) Enum() []string { return []string{Pending, Approved, Refused} }

// UrgeType is 催办 (urge) or 督办函 (supervise).
type UrgeType string

// Enum lists the kinds.
func (UrgeType) Enum() []string { return []string{UrgeKind, SuperviseKind} }

// CallbackOutcome is the result of a call-back.
type CallbackOutcome string

// Enum lists the results.
func (CallbackOutcome) Enum() []string { return []string{CallbackSatisfied, CallbackUnsatisfied} }

// LetterState narrows the list of supervision letters.
type LetterState string

// Enum lists the states.
func (LetterState) Enum() []string { return []string{LetterOpen, LetterAnswered} }

// States of a supervision letter in a list.
const (
	LetterOpen     = "open"
	LetterAnswered = "answered"
)

// FlowGroup is how the work order's figures are grouped.
type FlowGroup string

// Enum lists the groupings.
func (FlowGroup) Enum() []string { return []string{ByDepartment, ByStreet} }
