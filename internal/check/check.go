// Package check validates a request struct by its `binding` tags, the one
// statement of a field's limits: the API's OpenAPI document is built from
// the same tags (api/contract.go), the API checks every request body and
// query with Struct, and a domain package that takes the same input from
// elsewhere (seeds, jobs, the CLI) calls Struct too instead of restating a
// limit.
//
// The tags are go-playground/validator's (required, max, min, len, oneof,
// gte, lte, gt, url), with two rules of this project on top:
//   - a string field tagged required must have a visible character
//     (text.Blank): the validator's own required only refuses "";
//   - a field whose type has an Enum method (a closed vocabulary) must hold
//     one of its values when set: the document's enum comes from the same
//     method.
//
// Errors are apperr invalid_argument errors naming each bad field by its
// JSON path ("audience.streets", "questions[2].stem") with a Chinese
// message.
package check

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/text"
)

// Enumer is a closed vocabulary: a string type whose values are listed by
// Enum. The document states the list as the field's enum; Struct refuses
// any other non-empty value.
type Enumer interface{ Enum() []string }

// engine is built once: a validator reading `binding` tags and naming
// fields by their JSON names. It holds no state between calls.
var engine = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.SetTagName("binding")
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := JSONName(f)
		if name == "-" {
			return ""
		}
		return name
	})
	return v
})

// JSONName is the name encoding/json gives a field, or the name of its
// form tag for a query struct ("-" for a field left out).
func JSONName(f reflect.StructField) string {
	tag, ok := f.Tag.Lookup("json")
	if !ok {
		tag, ok = f.Tag.Lookup("form")
	}
	name, _, _ := strings.Cut(tag, ",")
	if !ok || name == "" {
		return f.Name
	}
	return name
}

// Struct checks v (a struct or a pointer to one) by its binding tags, its
// enums, blank required strings and the int32 floor, and returns every bad
// field at once, or nil.
func Struct(v any) error {
	fields := map[string]string{}
	walk(reflect.ValueOf(v), "", fields)
	err := engine().Struct(v)
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		var inv *validator.InvalidValidationError
		if err != nil && !errors.As(err, &inv) {
			return err
		}
		return apperr.Fields(fields)
	}
	for _, fe := range ves {
		name := jsonPath(reflect.TypeOf(v), fe)
		if _, seen := fields[name]; !seen {
			fields[name] = describe(fe)
		}
	}
	return apperr.Fields(fields)
}

// jsonPath is a field error's path as JSON sees it: the validator's
// namespace without the struct's own name and without embedded structs,
// whose fields JSON (and a query string) takes as the outer struct's.
func jsonPath(root reflect.Type, fe validator.FieldError) string {
	names := strings.Split(fe.Namespace(), ".")
	goNames := strings.Split(fe.StructNamespace(), ".")
	t := root
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Name() != "" && len(names) > 1 { // the struct's own name
		names, goNames = names[1:], goNames[1:]
	}
	if len(names) != len(goNames) {
		return strings.Join(names, ".")
	}
	var out []string
	for i := range names {
		field, _, indexed := strings.Cut(goNames[i], "[")
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		var f reflect.StructField
		ok := t != nil && t.Kind() == reflect.Struct
		if ok {
			f, ok = t.FieldByName(field)
		}
		if !ok || !f.Anonymous || indexed {
			out = append(out, names[i])
		}
		if !ok {
			t = nil
			continue
		}
		t = f.Type
		for range strings.Count(goNames[i], "[") { // items[2]: the item's type
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			if t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
				t = t.Elem()
			}
		}
	}
	return strings.Join(out, ".")
}

// Int32Message refuses an integer that no INT column can hold.
const Int32Message = "须在 -2147483648 至 2147483647 之间"

// RequiredMessage is the message of a required field left out or blank.
const RequiredMessage = "必填"

var timeType = reflect.TypeFor[time.Time]()

// walk records under its JSON path, in one pass over the value (nested
// structs, slices and maps too):
//   - every string field tagged required that is text.Blank;
//   - every set Enumer field outside its Enum;
//   - every Go int outside int32: request structs use int for what an INT
//     column stores (int64 for BIGINT), and MySQL refuses a value past it
//     with an error that would otherwise be a 500. The fields' own ranges,
//     stated by their tags, are narrower; this is the floor under them.
func walk(v reflect.Value, path string, bad map[string]string) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if e, ok := reflect.TypeAssert[Enumer](v); ok && v.Kind() == reflect.String {
		if s := v.String(); s != "" && !slices.Contains(e.Enum(), s) {
			bad[or(path, "body")] = OneOfMessage(e.Enum())
		}
		return
	}
	switch v.Kind() {
	case reflect.Int:
		if n := v.Int(); n < math.MinInt32 || n > math.MaxInt32 {
			bad[or(path, "body")] = Int32Message
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name := JSONName(f)
			if !f.IsExported() || name == "-" {
				continue
			}
			p := path
			if !f.Anonymous || name != f.Name {
				p = join(path, name)
			}
			fv := v.Field(i)
			if s, ok := stringOf(fv); ok && Required(f.Tag.Get("binding")) && text.Blank(s) {
				bad[p] = RequiredMessage
				continue
			}
			walk(fv, p, bad)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			walk(v.Index(i), path+"["+strconv.Itoa(i)+"]", bad)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			walk(it.Value(), join(path, fmt.Sprint(it.Key().Interface())), bad)
		}
	}
}

// OneOfMessage refuses a value outside a closed list.
func OneOfMessage(values []string) string { return "须为以下之一: " + strings.Join(values, " ") }

// stringOf reads a string or a set *string.
func stringOf(v reflect.Value) (string, bool) {
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() != reflect.String {
		return "", false
	}
	return v.String(), true
}

// Required reports whether a binding tag requires the field itself (a
// required after dive applies to the elements).
func Required(tag string) bool {
	own, _, _ := strings.Cut(tag, ",dive")
	return slices.Contains(strings.Split(own, ","), "required")
}

func describe(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return RequiredMessage
	case "min":
		return "不能少于 " + fe.Param()
	case "max":
		return "不能多于 " + fe.Param()
	case "oneof":
		return "须为以下之一: " + fe.Param()
	case "len":
		return "长度须为 " + fe.Param()
	case "gte":
		return "不能小于 " + fe.Param()
	case "lte":
		return "不能大于 " + fe.Param()
	case "gt":
		return "须大于 " + fe.Param()
	case "url", "http_url":
		return "须为有效网址"
	case "dive":
		return "取值无效"
	default:
		return "取值无效 (" + fe.Tag() + ")"
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
