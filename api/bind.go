package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/patch"
)

// maxBody is the largest request body accepted (1 MiB).
const maxBody = 1 << 20

var errTooLarge = apperr.New(apperr.PayloadTooLarge, "请求体超过 1 MiB")

// bindJSON decodes the JSON body into dst and checks its binding tags
// (check.Struct) and
// its times (checkTimes). Unknown fields are ignored; bytes that are not
// UTF-8, a wrong type, malformed JSON or a failed check is an
// invalid_argument naming the fields; an empty body decodes as {}; an
// oversized body is payload_too_large.
func bindJSON(c *gin.Context, dst any) error {
	body, err := io.ReadAll(c.Request.Body)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return errTooLarge
	}
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	return decodeJSON(body, dst)
}

// decodeJSON is bindJSON of a body already read.
func decodeJSON(body []byte, dst any) error {
	// encoding/json would quietly turn bytes that are not UTF-8 into U+FFFD.
	if !utf8.Valid(body) {
		return apperr.Field(invalidUTF8Field(body), invalidUTF8Message)
	}
	if err := checkStringIDs(body, reflect.TypeOf(dst), ""); err != nil {
		return err
	}
	err := json.NewDecoder(bytes.NewReader(body)).Decode(&notNull{dst})
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case err == nil, errors.Is(err, io.EOF) && len(body) == 0: // no body: every field left out
	case errors.As(err, &typeErr):
		field := flatPath(reflect.TypeOf(dst), typeErr.Field)
		if field == "" {
			field = "body"
		}
		return apperr.Field(field, fmt.Sprintf("类型错误，应为 %s", jsonType(typeErr.Type)))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF): // EOF here: only white space
		return apperr.Field("body", "不是有效的 JSON")
	default:
		return apperr.Field("body", "无法解析: "+err.Error())
	}
	timeErr := checkTimes(dst)
	if err := check.Struct(dst); err != nil || timeErr != nil {
		return mergeFields(timeErr, err)
	}
	return nil
}

// flatPath drops from a decoding error's path the names of embedded
// structs, which encoding/json puts in it ("NewCreditRecord.note"), though
// their fields are the outer struct's in the body ("note").
func flatPath(t reflect.Type, p string) string {
	var out []string
	for _, seg := range strings.Split(p, ".") {
		t = deref(t)
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = deref(t.Elem())
		}
		if t.Kind() != reflect.Struct {
			out = append(out, seg)
			continue
		}
		if f, ok := t.FieldByName(seg); ok && f.Anonymous && f.Tag.Get("json") == "" {
			t = f.Type // an embedded struct: its fields are the outer's
			continue
		}
		out = append(out, seg)
		found := false
		for _, f := range reflect.VisibleFields(t) {
			if name := check.JSONName(f); name == seg && f.IsExported() {
				t, found = f.Type, true
				break
			}
		}
		if !found {
			t = reflect.TypeFor[any]()
		}
	}
	return strings.Join(out, ".")
}

// mergeFields joins the fields of invalid_argument errors; any other error
// wins as it is.
func mergeFields(errs ...error) error {
	fields := map[string]string{}
	for _, err := range errs {
		if err == nil {
			continue
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
			return err
		}
		maps.Copy(fields, ae.Fields)
	}
	return apperr.Fields(fields)
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return "布尔值"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数"
	case reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Slice, reflect.Array:
		return "数组"
	case reflect.Map, reflect.Struct:
		return "对象"
	}
	return t.String()
}

// idPattern is the form of every ID the API takes, as the document's
// pattern says: a positive decimal integer without sign or leading zeros
// (that also fits int64).
var idPattern = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)

const idMessage = "须为有效的 ID"

// parseIDString parses v as an ID of idPattern.
func parseIDString(v string) (int64, bool) {
	if !idPattern.MatchString(v) {
		return 0, false
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil
}

// parseID reads an ID sent as a JSON string.
func parseID(field, v string) (int64, error) {
	id, ok := parseIDString(v)
	if !ok {
		return 0, apperr.Field(field, idMessage)
	}
	return id, nil
}

// checkStringIDs checks the times of a request struct (RFC 3339 strings)
// and its integer fields tagged
// `json:",string"` (IDs sent as strings) against idPattern before the
// body is decoded, naming each bad one: encoding/json would refuse "abc"
// with a message naming no field and take "+7" or "007". t is the type
// decoded into; path is where its value sits in the body.
func checkStringIDs(body []byte, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil // not an object: the decoder names it
	}
	bad := map[string]string{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		name = or(name, f.Name)
		raw, ok := members[name]
		if !ok || string(raw) == "null" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft == timeType || ft == nullTimeType:
			// encoding/json's own error for a bad time names no field.
			var v string
			if json.Unmarshal(raw, &v) != nil {
				bad[joinPath(path, name)] = "类型错误，应为 RFC 3339 时间字符串"
			} else if _, err := time.Parse(time.RFC3339, v); err != nil {
				bad[joinPath(path, name)] = "须为 RFC 3339 时间"
			}
		case opts == "string" && ft.Kind() == reflect.Int64:
			var v string
			if json.Unmarshal(raw, &v) != nil {
				bad[joinPath(path, name)] = "类型错误，应为字符串"
			} else if _, ok := parseIDString(v); !ok {
				bad[joinPath(path, name)] = idMessage
			}
		case ft.Kind() == reflect.Struct:
			if err := checkStringIDs(raw, ft, joinPath(path, name)); err != nil {
				return err
			}
		}
	}
	return apperr.Fields(bad)
}

// nullTimeType is a patch's nullable time, checked as a time.
var nullTimeType = reflect.TypeFor[patch.Null[time.Time]]()

// The API takes times from minTime up to, not including, maxTime. Every
// time a request carries is checked against the range (bindJSON for JSON
// bodies, parseTime for the rest), so no module stores a time that a
// database column or a later listing cannot hold (year 0000 broke SQLite's
// listings and MySQL's DATETIME; 9999-12-31 at UTC-12 is year 10000 in UTC).
var (
	minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

const timeRangeMessage = "须在 2000-01-01T00:00:00Z 至 2100-01-01T00:00:00Z 之间"

func timeInRange(t time.Time) bool { return !t.Before(minTime) && t.Before(maxTime) }

// parseTime reads an RFC 3339 time field within the API's time range;
// "" is nil.
func parseTime(field, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, apperr.Field(field, "须为 RFC 3339 时间，如 2026-01-02T09:00:00+08:00")
	}
	if !timeInRange(t) {
		return nil, apperr.Field(field, timeRangeMessage)
	}
	return &t, nil
}

var timeType = reflect.TypeFor[time.Time]()

// checkTimes checks every time.Time and *time.Time in a decoded request,
// in nested structs, slices and maps too, against the API's time range,
// and names each one out of range by its JSON path ("audience.from",
// "items[2].opens_at"). A zero time.Time is a time not sent and is not
// checked; a *time.Time that is set is checked whatever its value.
func checkTimes(v any) error {
	bad := map[string]string{}
	walkTimes(reflect.ValueOf(v), "", bad)
	return apperr.Fields(bad)
}

func walkTimes(v reflect.Value, path string, bad map[string]string) {
	if !v.IsValid() || !v.CanInterface() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if e := v.Elem(); v.Kind() == reflect.Pointer && e.Type() == timeType {
			if !timeInRange(e.Interface().(time.Time)) {
				bad[or(path, "body")] = timeRangeMessage
			}
			return
		}
		walkTimes(v.Elem(), path, bad)
	case reflect.Struct:
		if e, ok := v.Interface().(interface{ Elem() any }); ok { // a patch's patch.Null
			walkTimes(reflect.ValueOf(e.Elem()), path, bad)
			return
		}
		if v.Type() == timeType {
			if t := v.Interface().(time.Time); !t.IsZero() && !timeInRange(t) {
				bad[or(path, "body")] = timeRangeMessage
			}
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case !f.IsExported() || name == "-":
			case f.Anonymous && name == "":
				walkTimes(v.Field(i), path, bad) // promoted fields, as encoding/json sees them
			default:
				walkTimes(v.Field(i), joinPath(path, or(name, f.Name)), bad)
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // []byte, json.RawMessage
		}
		for i := range v.Len() {
			walkTimes(v.Index(i), path+"["+strconv.Itoa(i)+"]", bad)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			walkTimes(it.Value(), joinPath(path, fmt.Sprint(it.Key().Interface())), bad)
		}
	}
}

func joinPath(path, name string) string {
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
