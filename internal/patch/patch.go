// Package patch is the one way a PATCH body says of a nullable field
// "leave it", "set it" or "clear it": a field of type Null[T] is left as it
// is when the body leaves it out, cleared by null and set by a value. The
// other fields of a patch are pointers (nil: left as they are), and their
// binding tags state their limits as in any request (internal/check).
package patch

import (
	"bytes"
	"encoding/json"
	"reflect"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Null is a patch's nullable field: Set when the body names it, Value nil
// when it names it null.
type Null[T any] struct {
	Set   bool `json:"-"`
	Value *T   `json:"-"`
}

// UnmarshalJSON takes null or a T. A value that is no T is a type error
// naming the field (encoding/json adds its name).
func (n *Null[T]) UnmarshalJSON(b []byte) error {
	n.Set, n.Value = true, nil
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[T]()}
	}
	n.Value = &v
	return nil
}

// Elem is the value set, as a *T (nil when left out or cleared): what
// request checks that walk a body look at.
func (n Null[T]) Elem() any { return n.Value }

var timeType = reflect.TypeFor[time.Time]()

// SetSchema states the field in the OpenAPI document as a nullable T
// (openapi3gen.SetSchemar).
func (Null[T]) SetSchema(s *openapi3.Schema) {
	s.Nullable = true
	switch t := reflect.TypeFor[T](); {
	case t == timeType:
		s.Type, s.Format = &openapi3.Types{"string"}, "date-time"
	case t.Kind() == reflect.String:
		s.Type = &openapi3.Types{"string"}
	case t.Kind() == reflect.Bool:
		s.Type = &openapi3.Types{"boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s.Type = &openapi3.Types{"integer"}
	}
}
