package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The contract check: every request a test sends through env.do and every
// answer the router gives are checked against the document the server
// serves (/openapi.json), so a field, a status or a type that drifts from
// it fails the test that saw it.
//
//   - A request the document calls invalid must be refused (status ≥ 400):
//     tests may send bad input on purpose, but the server must not accept
//     what the contract rejects.
//   - Every answer's status must be declared for its operation, its content
//     type must be one the operation declares for that status, and a JSON
//     body must match the schema: types, required and nullable fields,
//     enums, and no property the schema does not declare.
//   - Streamed and binary answers (CSV, XLSX, /metrics, /docs) are checked
//     for status and content type only.

// contractDoc is the served document, loaded once per test binary.
var contractDoc = sync.OnceValues(func() (*contract, error) {
	spec, err := buildSpec()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	return &contract{doc: doc, router: router}, nil
})

type contract struct {
	doc    *openapi3.T
	router routers.Router
}

func init() {
	// The server reads an uploaded CSV line by line and reports bad lines in
	// its answer; the document declares the upload as text, so the check
	// takes it as text too rather than parsing it as a table.
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
}

// contractSeen holds "operationId status" for every exchange checked; with
// IFUTIAN_CONTRACT_SEEN=<file> set, TestMain writes them there, to find the
// operations and statuses no test exercises.
var contractSeen sync.Map

func writeContractSeen() {
	file := os.Getenv("IFUTIAN_CONTRACT_SEEN")
	if file == "" {
		return
	}
	var lines []string
	contractSeen.Range(func(k, _ any) bool {
		lines = append(lines, k.(string))
		return true
	})
	sort.Strings(lines)
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

var contractOptions = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
	MultiError:            true,
	SkipSettingDefaults:   true,
}

// checkContract checks one exchange against the served document and
// returns what contradicts it, or "" if nothing does. body is the request
// body that was sent.
func checkContract(req *http.Request, body []byte, rec *httptest.ResponseRecorder) string {
	c, err := contractDoc()
	if err != nil {
		return err.Error()
	}
	// The router sees a copy, so validation cannot consume the real body.
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		switch {
		case strings.HasPrefix(req.URL.Path, "/test-"): // routes a test adds to the engine
			return ""
		case req.URL.Path == "/" || req.URL.Path == "/console" || strings.HasPrefix(req.URL.Path, "/console/"):
			return "" // the console's files are not the API
		case rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed:
			return "" // the path is not served; the answer says so
		}
		return fmt.Sprintf("%s %s answered %d but is not in the OpenAPI document (%v)", req.Method, req.URL.Path, rec.Code, err)
	}
	op := fmt.Sprintf("%s %s (%s)", req.Method, route.Path, route.Operation.OperationID)
	contractSeen.Store(fmt.Sprintf("%s %d", route.Operation.OperationID, rec.Code), true)
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: contractOptions}
	if reqErr := openapi3filter.ValidateRequest(context.Background(), in); reqErr != nil && rec.Code < 400 {
		return fmt.Sprintf("%s: the document refuses this request, but the server answered %d:\n%s",
			op, rec.Code, describeErr(reqErr))
	}
	in.Request.Body = io.NopCloser(bytes.NewReader(body))

	resp := rec.Result()
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	ref := route.Operation.Responses.Status(rec.Code)
	if ref == nil {
		ref = route.Operation.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return fmt.Sprintf("%s: status %d is not declared; body: %.300s", op, rec.Code, rec.Body.String())
	}
	content := ref.Value.Content
	if len(content) == 0 {
		if rec.Body.Len() > 0 {
			return fmt.Sprintf("%s → %d: the document declares no body, got %q: %.300s", op, rec.Code, ct, rec.Body.String())
		}
		return ""
	}
	if content.Get(ct) == nil {
		return fmt.Sprintf("%s → %d: content type %q is not declared (declared: %s)", op, rec.Code, ct, strings.Join(mediaTypes(content), ", "))
	}
	if mt != "application/json" {
		return "" // streamed or binary: status and content type only
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rec.Code, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())), Options: contractOptions,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Sprintf("%s → %d: the body contradicts the document:\n%s\nbody: %.600s", op, rec.Code, describeErr(err), rec.Body.String())
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		return fmt.Sprintf("%s → %d: body is not JSON: %v", op, rec.Code, err)
	}
	if bad := otherTimes(v, ""); len(bad) > 0 && route.Operation.OperationID != "serveSpec" { // the document's examples are inputs
		return fmt.Sprintf("%s → %d: times not in the one format (%s): %s\nbody: %.600s",
			op, rec.Code, TimeFormat, strings.Join(bad, ", "), rec.Body.String())
	}
	if extra := undeclared(content.Get(ct).Schema, v, ""); len(extra) > 0 {
		return fmt.Sprintf("%s → %d: the body has properties the document does not declare: %s\nbody: %.600s",
			op, rec.Code, strings.Join(extra, ", "), rec.Body.String())
	}
	return ""
}

func mediaTypes(c openapi3.Content) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// describeErr lists every schema error with its JSON pointer.
func describeErr(err error) string {
	var lines []string
	var walk func(error)
	walk = func(err error) {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			lines = append(lines, fmt.Sprintf("  at /%s: %s", strings.Join(se.JSONPointer(), "/"), se.Reason))
			return
		}
		var re *openapi3filter.RequestError
		if errors.As(err, &re) && re.Err != nil {
			var me openapi3.MultiError
			if errors.As(re.Err, &me) || errors.As(re.Err, &se) {
				prefix := "body"
				if re.Parameter != nil {
					prefix = re.Parameter.In + " parameter " + re.Parameter.Name
				}
				lines = append(lines, "  "+prefix+":")
				walk(re.Err)
				return
			}
		}
		var rse *openapi3filter.ResponseError
		if errors.As(err, &rse) && rse.Err != nil {
			walk(rse.Err)
			return
		}
		lines = append(lines, "  "+err.Error())
	}
	walk(err)
	return strings.Join(lines, "\n")
}

// undeclared lists the JSON pointers of object properties in v that schema
// does not declare. An object schema with additionalProperties, or with no
// properties at all, is a map and takes any key. allOf, oneOf and anyOf
// contribute the properties of every branch.
func undeclared(ref *openapi3.SchemaRef, v any, at string) []string {
	if ref == nil || ref.Value == nil {
		return nil
	}
	var out []string
	switch v := v.(type) {
	case map[string]any:
		props, open := objectProperties(ref.Value)
		if open {
			return nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			subs, ok := props[k]
			if !ok {
				out = append(out, at+"/"+k)
				continue
			}
			// Under oneOf a property may come from one branch or another:
			// it is undeclared only if no branch declares what it holds.
			var best []string
			for i, s := range subs {
				got := undeclared(s, v[k], at+"/"+k)
				if i == 0 || len(got) < len(best) {
					best = got
				}
			}
			out = append(out, best...)
		}
	case []any:
		items := arrayItems(ref.Value)
		for i, x := range v {
			var best []string
			for j, s := range items {
				got := undeclared(s, x, fmt.Sprintf("%s/%d", at, i))
				if j == 0 || len(got) < len(best) {
					best = got
				}
			}
			out = append(out, best...)
		}
	}
	return out
}

// objectProperties gathers the properties a schema and its branches
// declare; open is true when the object takes any key.
func objectProperties(s *openapi3.Schema) (props map[string][]*openapi3.SchemaRef, open bool) {
	props = map[string][]*openapi3.SchemaRef{}
	var gather func(s *openapi3.Schema)
	gather = func(s *openapi3.Schema) {
		if s == nil {
			return
		}
		if s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has || s.AdditionalProperties.Schema != nil {
			open = true
		}
		for k, p := range s.Properties {
			props[k] = append(props[k], p)
		}
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, b := range group {
				if b != nil {
					gather(b.Value)
				}
			}
		}
	}
	gather(s)
	if len(props) == 0 {
		open = true // a free-form object
	}
	return props, open
}

func arrayItems(s *openapi3.Schema) []*openapi3.SchemaRef {
	var out []*openapi3.SchemaRef
	if s.Items != nil {
		out = append(out, s.Items)
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, b := range group {
			if b != nil && b.Value != nil {
				out = append(out, arrayItems(b.Value)...)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, openapi3.NewSchemaRef("", openapi3.NewSchema()))
	}
	return out
}

// otherTimes lists the paths of the strings in a decoded response that
// are RFC 3339 times in another form than TimeFormat (issue 22 item 10:
// times came with 0, 3 or 9 fractional digits).
func otherTimes(v any, at string) []string {
	switch v := v.(type) {
	case map[string]any:
		var bad []string
		for k, x := range v {
			bad = append(bad, otherTimes(x, at+"/"+k)...)
		}
		return bad
	case []any:
		var bad []string
		for i, x := range v {
			bad = append(bad, otherTimes(x, at+"/"+strconv.Itoa(i))...)
		}
		return bad
	case string:
		if _, err := time.Parse(time.RFC3339Nano, v); err == nil && !isTimeFormat(v) {
			return []string{at + "=" + v}
		}
	}
	return nil
}
