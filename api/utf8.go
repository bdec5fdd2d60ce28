package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
)

const invalidUTF8Message = "含有无效的 UTF-8 字节"

// checkUTF8 refuses a request whose path parameters, query parameters or
// Idempotency-Key header are not UTF-8, naming the parameter ("query" for
// a bad parameter name). Bodies are checked where they are read (bindJSON,
// utf8Text).
func (s *Server) checkUTF8(c *gin.Context) {
	for _, p := range c.Params {
		if !utf8.ValidString(p.Value) {
			s.fail(c, apperr.Field(p.Key, invalidUTF8Message))
			return
		}
	}
	if c.Request.URL.RawQuery != "" { // else nothing to parse
		for k, vs := range c.Request.URL.Query() {
			if !utf8.ValidString(k) {
				s.fail(c, apperr.Field("query", invalidUTF8Message))
				return
			}
			for _, v := range vs {
				if !utf8.ValidString(v) {
					s.fail(c, apperr.Field(k, invalidUTF8Message))
					return
				}
			}
		}
	}
	if !utf8.ValidString(c.GetHeader("Idempotency-Key")) {
		s.fail(c, apperr.Field("Idempotency-Key", invalidUTF8Message))
		return
	}
	c.Next()
}

// utf8Text checks an uploaded text file (a CSV) and names the first line
// that is not UTF-8 in the error for field.
func utf8Text(field string, data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		if !utf8.Valid(line) {
			return apperr.Field(field, fmt.Sprintf("第 %d 行%s（请以 UTF-8 编码保存）", i+1, invalidUTF8Message))
		}
	}
	return apperr.Field(field, invalidUTF8Message) // not reached: some line is invalid
}

// invalidUTF8Field returns the JSON path ("audience.streets[1]") of the
// first string in body that holds bytes that are not UTF-8. A bad object
// key names its object; bad bytes in a key of the top-level object, or in
// a body that is not well-formed JSON, name "body".
func invalidUTF8Field(body []byte) string {
	type frame struct {
		path  string
		obj   bool
		key   string // object: the key of the value being read
		inKey bool   // object: the next token is a key
		idx   int    // array: the index of the next element
	}
	if !json.Valid(body) {
		return "body"
	}
	var stack []*frame
	// valuePath is the path of the value the next token starts.
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if top.obj {
			return joinPath(top.path, top.key)
		}
		return top.path + "[" + strconv.Itoa(top.idx) + "]"
	}
	// valueDone moves past a value in its container.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.obj {
			top.inKey = true
		} else {
			top.idx++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return "body"
		}
		end := dec.InputOffset()
		// Between two tokens there are only the token itself and ASCII
		// (white space, ':' and ','): bad bytes here are the token's.
		bad := !utf8.Valid(body[prev:end])
		prev = end
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{path: valuePath(), obj: t == '{', inKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		default:
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].inKey {
				if bad {
					return or(stack[n-1].path, "body")
				}
				stack[n-1].key, stack[n-1].inKey = t.(string), false
				continue
			}
			if bad {
				return or(valuePath(), "body")
			}
			valueDone()
		}
		if len(stack) == 0 {
			// The whole value is read and it was good: the bad bytes follow it.
			return "body"
		}
	}
}

// readText reads an uploaded text body (a CSV) whole, refusing one that is
// not UTF-8 (naming field and the line) or is over the body limit.
func readText(c *gin.Context, field string) ([]byte, error) {
	data, err := io.ReadAll(c.Request.Body)
	if isTooLarge(err) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return data, utf8Text(field, data)
}
