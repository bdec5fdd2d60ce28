package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/district"
)

// TimeFormat is the one form of every time the API sends: RFC 3339 in the
// district's offset with exactly three fractional digits,
// "2026-12-08T09:30:00.000+08:00".
//
// Why this form: clients parse one fixed width (JavaScript's Date keeps
// milliseconds, so nothing they can hold is lost; the database's
// microseconds order rows, not clients), and the wall-clock time and date
// a resident reads are in the string itself (a deadline at local midnight
// is "…T00:00:00.000+08:00", not "…T16:00:00Z" of the day before), while
// it remains an absolute instant any RFC 3339 parser reads. Inputs still
// take RFC 3339 with any offset.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// formatTime renders t in TimeFormat.
func formatTime(t time.Time) string { return t.In(district.Zone).Format(TimeFormat) }

// timeKeys are the names of the response properties the document declares
// as date-time: the members formatTimes rewrites (with any member named
// "…_at", for free-form objects such as an export's sections).
func timeKeys(spec []byte) (map[string]bool, error) {
	var doc any
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for name, p := range props {
					if pm, ok := p.(map[string]any); ok && pm["format"] == "date-time" {
						keys[name] = true
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return keys, nil
}

// formatTimes makes every JSON response carry its times in TimeFormat,
// whatever encoded them: the value of a member the document declares as
// date-time that holds an RFC 3339 time is written again in TimeFormat,
// nested in objects and lists alike; everything else passes as it is.
// Doing it here, on the bytes gin writes, reaches every handler and every
// type (time.Time, *time.Time, and the modules' own MarshalJSON) without a
// wrapper type in each module. A test checks every API test's response
// (checkContract: no time-like string in another form).
func (s *Server) formatTimes(c *gin.Context) {
	c.Writer = &timeWriter{ResponseWriter: c.Writer, keys: s.timeKeys}
	c.Next()
}

type timeWriter struct {
	gin.ResponseWriter
	keys map[string]bool
}

// Write rewrites a JSON body: gin's JSON rendering writes each body in one
// call.
func (w *timeWriter) Write(b []byte) (int, error) {
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		return w.ResponseWriter.Write(b)
	}
	out := rewriteTimes(b, w.keys)
	if _, err := w.ResponseWriter.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (w *timeWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// rewriteTimes returns b with the string value of every object member
// named in keys that parses as an RFC 3339 time written in TimeFormat. It
// scans the JSON once, copying everything else byte for byte; b is
// returned as it is when nothing changes (or when it is not well-formed).
func rewriteTimes(b []byte, keys map[string]bool) []byte {
	var (
		out        []byte // nil until the first rewrite
		copied     int    // b[:copied] is in out
		stack      []byte // '{' or '['
		afterColon bool
		key        []byte // the member's name, within b (no copy per member)
	)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			stack = append(stack, b[i])
			afterColon = false
		case '}', ']':
			if len(stack) == 0 {
				return b
			}
			stack = stack[:len(stack)-1]
			afterColon = false
		case ',':
			afterColon = false
		case ':':
			afterColon = true
		case '"':
			end, escaped := i+1, false
			for ; end < len(b) && b[end] != '"'; end++ {
				if b[end] == '\\' {
					escaped = true
					end++
				}
			}
			if end >= len(b) {
				return b
			}
			inObject := len(stack) > 0 && stack[len(stack)-1] == '{'
			switch {
			case inObject && !afterColon:
				key = b[i+1 : end]
			case inObject && !escaped && (keys[string(key)] || bytes.HasSuffix(key, []byte("_at"))):
				if t, err := time.Parse(time.RFC3339Nano, string(b[i+1:end])); err == nil {
					if f := formatTime(t); f != string(b[i+1:end]) {
						if out == nil {
							out = make([]byte, 0, len(b)+len(b)/8)
						}
						out = append(out, b[copied:i+1]...)
						out = append(out, f...)
						copied = end
					}
				}
				afterColon = false
			}
			i = end
		}
	}
	if out == nil {
		return b
	}
	return append(out, b[copied:]...)
}

// isTimeFormat reports whether v is a time in TimeFormat.
func isTimeFormat(v string) bool {
	t, err := time.Parse(TimeFormat, v)
	return err == nil && formatTime(t) == v
}
