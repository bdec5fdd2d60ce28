// Package apperr is the one error type the domain packages return for
// failures a client can act on. Its Code decides the HTTP status in one
// place (api/errors.go); its Message is safe to show to end users.
package apperr

import (
	"errors"
	"fmt"
	"sort"
)

// Codes, as the client contract names them.
const (
	Invalid            = "invalid_argument"
	Unauthenticated    = "unauthenticated"
	PermissionDenied   = "permission_denied"
	NotFound           = "not_found"
	Conflict           = "conflict"
	InsufficientPoints = "insufficient_points"
	OutOfStock         = "out_of_stock"
	RateLimited        = "rate_limited"
	Unavailable        = "upstream_unavailable"
	PayloadTooLarge    = "payload_too_large"
	Internal           = "internal"
	MethodNotAllowed   = "method_not_allowed"
)

// Code names the contract's codes: its Enum is the enum of the document's
// error.code (api/openapi.go).
type Code string

// Enum lists every contract code.
func (Code) Enum() []string {
	return []string{Invalid, Unauthenticated, PermissionDenied, NotFound, Conflict, InsufficientPoints, OutOfStock,
		PayloadTooLarge, RateLimited, Unavailable, Internal, MethodNotAllowed}
}

// Reason says which rule refused a request (details.reason), so a client
// can tell refusals of one code apart. Its Enum is the enum of the
// document's details.reason.
type Reason string

// The reasons the modules give.
const (
	ReasonDailyCap           Reason = "daily_cap"            // an award over a rule's daily cap
	ReasonMonthlyCap         Reason = "monthly_cap"          // or its monthly cap
	ReasonPerResidentLimit   Reason = "per_resident_limit"   // a redemption past the reward's limit per resident
	ReasonMinLevel           Reason = "min_level"            // a redemption below the reward's level
	ReasonNotAvailable       Reason = "not_available"        // a redemption outside the reward's validity
	ReasonWithdrawn          Reason = "withdrawn"            // a redemption of a withdrawn reward
	ReasonAppealWindowClosed Reason = "appeal_window_closed" // an appeal after the deduction's deadline
	ReasonStockBelowIssued   Reason = "stock_below_issued"   // a stock decrease past what is left
	ReasonHasRedemptions     Reason = "has_redemptions"      // a reward's new price after its first redemption
	ReasonFull               Reason = "full"                 // an activity's sign-up, cancellation or attendance…
	ReasonClosed             Reason = "closed"
	ReasonCancelled          Reason = "cancelled"
	ReasonEnded              Reason = "ended"
	ReasonPublished          Reason = "published"
	ReasonOutsideWindow      Reason = "outside_window"
	ReasonNotSignedUp        Reason = "not_signed_up"
	ReasonWaiting            Reason = "waiting"
	ReasonNotCheckedIn       Reason = "not_checked_in"
	ReasonNotStarted         Reason = "not_started"
	ReasonCheckedIn          Reason = "checked_in"
	ReasonInvalid            Reason = "invalid" // a member or venue code
	ReasonExpired            Reason = "expired"
	ReasonSystemNotice       Reason = "system_notice"  // a system message edited, reviewed or withdrawn as a notice
	ReasonRepaired           Reason = "repaired"       // an appeal against a deduction already repaired (学法修复), or a second repair
	ReasonNotRepairable      Reason = "not_repairable" // a repair of a deduction whose rule offers none
	ReasonUnderAppeal        Reason = "under_appeal"   // a repair of a deduction whose appeal is pending
	ReasonAppealUpheld       Reason = "appeal_upheld"  // a repair of a deduction an upheld appeal already reversed
)

var reasons = []Reason{ReasonDailyCap, ReasonMonthlyCap, ReasonPerResidentLimit, ReasonMinLevel, ReasonNotAvailable,
	ReasonWithdrawn, ReasonAppealWindowClosed, ReasonStockBelowIssued, ReasonHasRedemptions, ReasonFull, ReasonClosed,
	ReasonCancelled, ReasonEnded, ReasonPublished, ReasonOutsideWindow, ReasonNotSignedUp, ReasonWaiting,
	ReasonNotCheckedIn, ReasonNotStarted, ReasonCheckedIn, ReasonInvalid, ReasonExpired, ReasonSystemNotice,
	ReasonRepaired, ReasonNotRepairable, ReasonUnderAppeal, ReasonAppealUpheld}

// Enum lists every reason.
func (Reason) Enum() []string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = string(r)
	}
	return out
}

// Error is a failure with a contract code, a user-safe message and, for
// invalid input, the fields at fault (field name → what is wrong).
// Compare with errors.Is against a sentinel *Error or use CodeOf.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	// Details carries extra machine-readable facts (e.g. "reason": "daily_cap").
	Details map[string]any
}

func (e *Error) Error() string { return e.Message }

// New returns an error with the given code and message.
func New(code, message string) *Error { return &Error{Code: code, Message: message} }

// Newf returns an error with the given code and a formatted message.
func Newf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an invalid_argument error naming one bad field.
func Field(field, message string) *Error {
	return &Error{Code: Invalid, Message: field + ": " + message, Fields: map[string]string{field: message}}
}

// With returns a copy of e carrying one more detail.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// Because returns a copy of e carrying the reason that refused.
func (e *Error) Because(r Reason) *Error { return e.With("reason", string(r)) }

// Is makes errors.Is(err, sentinel) match by identity or, for an *Error
// built by With, by code and message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == e.Message
}

// CodeOf returns the contract code of err, or "" if err carries none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Fields collects several field errors into one invalid_argument error.
// It returns nil when fields is empty.
func Fields(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msg := ""
	for _, k := range keys {
		if msg != "" {
			msg += "; "
		}
		msg += k + ": " + fields[k]
	}
	return &Error{Code: Invalid, Message: msg, Fields: fields}
}
