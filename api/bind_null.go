package api

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// notNull decodes a JSON body into dst but refuses a bare null, which
// would otherwise leave dst untouched and pass for {}: the document
// declares every body as an object (or array), so null is a wrong type.
type notNull struct{ dst any }

func (n notNull) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return &json.UnmarshalTypeError{Value: "null", Type: reflect.TypeOf(n.dst).Elem()}
	}
	return json.Unmarshal(b, n.dst)
}
