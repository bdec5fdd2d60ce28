package notify

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/futian/ifutian/internal/district"
)

// SubscribeData maps each template keyword (e.g. "thing1") to its value.
// In JSON it is read in either shape: flat, {"thing1": "…"}, or WeChat's
// own, {"thing1": {"value": "…"}}, as WeChat's documentation shows it; it
// is stored and written flat.
type SubscribeData map[string]string

// SetSchema states the data in the OpenAPI document: an object of strings
// or {"value": string} objects (openapi3gen.SetSchemar).
func (SubscribeData) SetSchema(s *openapi3.Schema) {
	str := &openapi3.Schema{Type: &openapi3.Types{"string"}}
	// {"value": …}: value must be there (it may be ""), which a required
	// string without minLength would not say to the document's readers.
	wrapped := &openapi3.Schema{Type: &openapi3.Types{"object"}, Description: "WeChat's shape: value is required, may be empty",
		Properties: openapi3.Schemas{"value": {Value: str}}}
	s.Type = &openapi3.Types{"object"}
	s.AdditionalProperties = openapi3.AdditionalProperties{Schema: &openapi3.SchemaRef{Value: &openapi3.Schema{
		OneOf: openapi3.SchemaRefs{{Value: str}, {Value: wrapped}},
	}}}
}

// UnmarshalJSON reads an object whose values are strings or {"value":
// string} objects.
func (d *SubscribeData) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return &json.UnmarshalTypeError{Value: "non-object", Type: reflect.TypeFor[map[string]string]()}
	}
	if raw == nil {
		*d = nil
		return nil
	}
	out := make(SubscribeData, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		var item struct {
			Value *string `json:"value"`
		}
		if err := json.Unmarshal(v, &item); err != nil || item.Value == nil {
			return &json.UnmarshalTypeError{Value: `"` + k + `"`, Type: reflect.TypeFor[string]()}
		}
		out[k] = *item.Value
	}
	*d = out
	return nil
}

// keywordLimits are the most characters WeChat takes in a keyword's value,
// by the keyword's type (its name without the number).
var keywordLimits = map[string]int{
	"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "letter": 32,
	"symbol": 5, "car_number": 8, "phone_number": 17, "amount": 11,
}

// fitKeyword cuts v to what WeChat takes for keyword kw: a thing1 holds 20
// characters, a phrase2 five, and so on. A cut value ends in "…".
func fitKeyword(kw, v string) string {
	typ := strings.TrimRight(kw, "0123456789")
	limit, ok := keywordLimits[typ]
	if !ok || utf8.RuneCountInString(v) <= limit {
		return v
	}
	r := []rune(v)
	if typ == "thing" || typ == "name" {
		return string(r[:limit-1]) + "…"
	}
	return string(r[:limit])
}

// kindData builds the subscribe data of a system message from its
// template's keywords: each takes its source's value (title, body, the
// time of sending, or a field of the message), cut to what WeChat takes.
func kindData(t KindTemplate, title, body string, fields map[string]string, at time.Time) map[string]string {
	out := make(map[string]string, len(t.Fields))
	for kw, src := range t.Fields {
		var v string
		switch src {
		case "title":
			v = title
		case "body":
			v = body
		case "time":
			v = at.In(district.Zone).Format("2006-01-02 15:04")
		default:
			v = fields[src]
		}
		out[kw] = fitKeyword(kw, strings.TrimSpace(v))
	}
	return out
}
