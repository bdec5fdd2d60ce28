package activities

// The closed vocabularies of activities: string types whose Enum lists
// their constants, so the API's document and its checks (internal/check)
// state them from here.

// Kind is an activity's kind (Kinds names them).
type Kind string

// Enum lists the kinds.
func (Kind) Enum() []string { return []string{KindVolunteer, KindLegal, KindBenefit, KindOther} }

// Status is where an activity stands.
type Status string

// Enum lists the statuses.
func (Status) Enum() []string { return []string{Draft, Published, Cancelled} }

// PublicStatus is the status of an activity residents see: never a draft.
type PublicStatus string

// Enum lists the statuses residents see.
func (PublicStatus) Enum() []string { return []string{Published, Cancelled} }

// SignupStatus is where a sign-up stands.
type SignupStatus string

// Enum lists the sign-up statuses.
func (SignupStatus) Enum() []string { return []string{Confirmed, Waiting, Withdrawn} }

// Attendance is a sign-up's state as rosters and residents see it.
type Attendance string

// Enum lists the attendance states.
func (Attendance) Enum() []string {
	return []string{AttConfirmed, AttWaiting, AttCancelled, AttCheckedIn, AttCheckedOut, AttNoShow}
}

// Method is how attendance was recorded ("" when it was not).
type Method string

// Enum lists the methods.
func (Method) Enum() []string { return []string{"", MethodVenueCode, MethodMemberCode, MethodManual} }

// PointsStatus is the outcome of a sign-up's points grant: "" without a
// rule or before the credit.
type PointsStatus string

// Enum lists the outcomes.
func (PointsStatus) Enum() []string { return []string{"", PointsPending, PointsGranted, PointsRefused} }

// EntryKind is the kind of an entry of the hours ledger.
type EntryKind string

// Enum lists the entry kinds.
func (EntryKind) Enum() []string { return []string{EntryCredit, EntryAdjustment} }

// ApprovalStatus is where an hours approval stands.
type ApprovalStatus string

// Enum lists the approval statuses.
func (ApprovalStatus) Enum() []string {
	return []string{ApprovalPending, ApprovalApproved, ApprovalRejected}
}

// Action is what a venue code records.
type Action string

// Enum lists the actions.
func (Action) Enum() []string { return []string{CheckIn, CheckOut} }
