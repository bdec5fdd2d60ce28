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
)

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
