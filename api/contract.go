package api

import (
	"fmt"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/staff"
)

// The contract is stated once. Each operation's shapes are Go types (the
// request body the handler binds, the query struct it reads, the response
// it writes) whose tags carry every limit, enum, format and field
// description; its prose (summary, description, what each refusal means)
// is an op declared beside the handler and passed to the route table.
// The served document is generated from both when the server starts
// (buildSpec), and requests are checked by the same tags (check.Struct),
// so a limit is written in one place:
//
//	type awardRequest struct {
//		Note string `json:"note" binding:"max=200" doc:"shown to the resident"`
//	}
//
// Field tags read here:
//   - json: the name; omitempty makes a response field optional; ",string"
//     on an integer is an ID sent as a decimal string (its pattern).
//   - form (query structs) and uri (path structs): the parameter's name.
//   - binding: go-playground/validator rules, translated to the schema:
//     required (and minLength 1 on a string), max/min/len (length, items
//     or value), gte/lte/gt/lt, oneof (enum), url (format uri); rules after
//     dive apply to the items.
//   - doc: the field's description; example: its example.
//   - format: a string format (date, date-time, uri, …) when the Go type
//     does not say it.
//   - pattern: a string's pattern, for a path parameter whose other values
//     name nothing (404); check.Struct does not read it.
//
// A string type with an Enum method (check.Enumer) is a closed vocabulary:
// the document lists its values and check.Struct refuses others.
type op struct {
	Tag         string // one of base.json's tags
	Summary     string // Chinese for a resident-facing operation
	Description string

	Path  any // a struct of `uri` fields: the path parameters (default: each :id an ID, others strings)
	Query any // a struct of `form` fields: the query parameters
	Body  any // the JSON request body (a zero value of its type), an upload or csvUpload, or a oneOf of them
	// BodyOptional: the body may be left out (it then reads as {}).
	BodyOptional bool

	// IdempotencyKey, when not 0, is the most bytes of the Idempotency-Key
	// header the operation takes (the domain's constant).
	IdempotencyKey int

	Replies []reply
	// Errors are the error statuses beyond those the route implies
	// (routeErrors): 404 without a path parameter, 409, 429.
	Errors []int

	// Raw, for the few operations whose exchange is no JSON shape (the
	// document itself, metrics, WeChat's pushes), is the operation object
	// written out; the fields above are then ignored but Tag.
	Raw map[string]any
}

// reply is one answer of an operation.
type reply struct {
	Status      int
	Description string
	Body        any      // nil: no body
	Types       []string // content types; default application/json
	Headers     map[string]string
}

// ok, created and repeated are the usual answers.
func ok(body any) reply { return reply{Status: http.StatusOK, Description: "OK", Body: body} }
func created(body any) reply {
	return reply{Status: http.StatusCreated, Description: "Created", Body: body}
}
func repeated(body any) reply {
	return reply{Status: http.StatusOK, Description: "Repeat: the first result, nothing changed", Body: body}
}
func noContent() reply { return reply{Status: http.StatusNoContent, Description: "No Content"} }

// file is a download or a picture: binary (or text) of the given types.
func file(status int, description string, types ...string) reply {
	return reply{Status: status, Description: description, Body: binaryBody{}, Types: types}
}

// oneOf is a body of several shapes: in a request, JSON of any of the
// values' schemas (oneOf when there are more than one) and, for a
// csvUpload among them, a CSV file too; in a reply, JSON of any of them.
// The shapes must be told apart by their types or required properties.
//
//	Body: oneOf{surveys.NewQuestion{}, []surveys.NewQuestion{}, csvUpload{…}}
type oneOf []any

// binaryBody marks a reply or upload that is a file, not JSON.
type binaryBody struct{}

// upload is a multipart/form-data body with one file in the field file
// (wx.uploadFile).
type upload struct{ Description string }

// csvUpload is a CSV file sent as text/csv or as a multipart upload
// (field file).
type csvUpload struct{ Description string }

// routeKind says who may call a route, which decides its security and the
// errors it implies.
type routeKind int

const (
	public   routeKind = iota // no token
	signedIn                  // any token
	resident                  // a resident's token
	staffer                   // a staff token (admin routes with a permission too)
)

// documented is a route and its op, as the route table registered it.
type documented struct {
	Method, Path string // path in gin's form
	ID           string // operationId: the handler's name
	Kind         routeKind
	Perm         staff.Permission
	Op           op
}

// handle registers h (after the group's middleware and extra) under
// method and path, with its document.
func (s *Server) handle(g *gin.RouterGroup, kind routeKind, method, p string, o op, hs ...gin.HandlerFunc) {
	g.Handle(method, p, hs...)
	s.document(method, path.Join(g.BasePath(), p), kind, "", o, hs[len(hs)-1])
}

func (s *Server) document(method, fullPath string, kind routeKind, perm staff.Permission, o op, h gin.HandlerFunc) {
	s.docs = append(s.docs, documented{Method: method, Path: fullPath, ID: handlerName(h), Kind: kind, Perm: perm, Op: o})
}

// handlerName is the name of the method a handler value is bound to:
// "awardPoints" for s.awardPoints.
func handlerName(h gin.HandlerFunc) string {
	name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	name = name[strings.LastIndexByte(name, '.')+1:]
	return strings.TrimSuffix(name, "-fm")
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// openAPIPath turns /a/:id into /a/{id}.
func openAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// schemaPrefix is the word each domain package's types are named with in
// the document when their Go name does not start with it already
// (points.Transaction is PointsTransaction, requests.Request is Request).
var schemaPrefix = map[string]string{
	"points": "Points", "surveys": "Survey", "enterprises": "Enterprise", "requests": "Request",
	"activities": "Activity", "notify": "Notice", "jobs": "Job", "staff": "Staff", "residents": "Resident",
	"media": "Media", "auth": "Auth", "knowledge": "Knowledge", "settings": "Setting",
}

// schemaName names a Go type's schema. Request shapes (input) get the
// suffix Input unless their name already says it, so a type used both ways
// has two schemas (a request's required fields differ from a response's).
func schemaName(t reflect.Type, input bool) string {
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	if name == "" {
		return ""
	}
	if name[0] >= 'a' && name[0] <= 'z' { // unexported types
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	if p := schemaPrefix[path.Base(t.PkgPath())]; p != "" && !strings.HasPrefix(name, p) {
		name = p + name
	}
	if input && !strings.HasSuffix(name, "Input") && !strings.HasSuffix(name, "Patch") {
		name += "Input"
	}
	return name
}

var enumerType = reflect.TypeFor[check.Enumer]()

// schemaGen builds schemas from Go types into one components map, in two
// modes (request and response) that differ in what required means.
type schemaGen struct {
	schemas openapi3.Schemas
	in, out *openapi3gen.Generator
}

func newSchemaGen() *schemaGen {
	g := &schemaGen{schemas: openapi3.Schemas{}}
	g.in, g.out = g.generator(true), g.generator(false)
	return g
}

// generator is an openapi3gen generator of one mode.
func (g *schemaGen) generator(input bool) *openapi3gen.Generator {
	return openapi3gen.NewGenerator(
		openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{ExportComponentSchemas: true}),
		openapi3gen.CreateTypeNameGenerator(func(t reflect.Type) string {
			if t.Kind() == reflect.Struct && (reflect.PointerTo(t).Implements(setSchemarType) || t.Implements(oneOferType)) {
				return "" // states its own schema: inline, not a component of its fields
			}
			return schemaName(t, input)
		}),
		openapi3gen.SchemaCustomizer(func(name string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
			return g.customize(t, tag, s, input)
		}),
	)
}

// ref returns the schema of v's type, adding the components it names.
func (g *schemaGen) ref(v any, input bool) (*openapi3.SchemaRef, error) {
	gen := g.out
	if input {
		gen = g.in
	}
	return g.refWith(gen, v, input)
}

// refWith is ref with the generator gen.
func (g *schemaGen) refWith(gen *openapi3gen.Generator, v any, input bool) (*openapi3.SchemaRef, error) {
	t := reflect.TypeOf(v)
	found := openapi3.Schemas{}
	ref, err := gen.NewSchemaRefForValue(v, found)
	if err != nil {
		return nil, fmt.Errorf("schema of %v: %w", t, err)
	}
	for name, s := range found {
		if prev, ok := g.schemas[name]; ok && !equalSchemas(prev.Value, s.Value) {
			return nil, fmt.Errorf("schema %s is built from two different Go types (the second from %v): name one apart", name, t)
		}
		g.schemas[name] = s
	}
	// A named struct at the top is a component too.
	if base := deref(t); base.Kind() == reflect.Struct && base != timeType {
		if name := schemaName(base, input); name != "" && ref.Ref == "" && !strings.Contains(base.Name(), "[") {
			if prev, ok := g.schemas[name]; ok && !equalSchemas(prev.Value, ref.Value) {
				return nil, fmt.Errorf("schema %s is built from two different Go types (the second %v): name one apart", name, t)
			}
			g.schemas[name] = &openapi3.SchemaRef{Value: ref.Value}
			return openapi3.NewSchemaRef("#/components/schemas/"+name, nil), nil
		}
	}
	return ref, nil
}

func equalSchemas(a, b *openapi3.Schema) bool {
	ja, _ := a.MarshalJSON()
	jb, _ := b.MarshalJSON()
	return string(ja) == string(jb)
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// nullOf is what a patch's patch.Null[T] says of T (its Elem is a *T).
type nullOf interface{ Elem() any }

// oneOfer is a type read from JSON of several shapes (a custom
// UnmarshalJSON): OneOf lists a value of each, whose schemas make its
// schema's oneOf. surveys.QuestionRef is one.
type oneOfer interface{ OneOf() []any }

var (
	setSchemarType = reflect.TypeFor[openapi3gen.SetSchemar]()
	oneOferType    = reflect.TypeFor[oneOfer]()
)

// customize applies a field's tags (and its type's Enum) to the schema
// openapi3gen built for it, and sets a struct's required properties.
func (g *schemaGen) customize(t reflect.Type, tag reflect.StructTag, s *openapi3.Schema, input bool) error {
	if o, ok := reflect.Zero(t).Interface().(oneOfer); ok {
		*s = openapi3.Schema{}
		for _, v := range o.OneOf() {
			// (by a generator of its own: this one is under way)
			ref, err := g.refWith(g.generator(input), v, input)
			if err != nil {
				return err
			}
			s.OneOf = append(s.OneOf, ref)
		}
		return nil
	}
	ss, ownSchema := reflect.New(t).Interface().(openapi3gen.SetSchemar)
	if ownSchema && t != timeType {
		ss.SetSchema(s) // a value type (a patch's patch.Null, notify.IDs): its field's tags apply as to a scalar
		// A patch.Null of a struct is that struct's schema, or null.
		if n, ok := reflect.Zero(t).Interface().(nullOf); ok {
			if et := deref(reflect.TypeOf(n.Elem())); et.Kind() == reflect.Struct && et != timeType {
				// (by a generator of its own: this one is under way)
				ref, err := g.refWith(g.generator(input), reflect.Zero(et).Interface(), input)
				if err != nil {
					return err
				}
				s.AllOf, s.Nullable = openapi3.SchemaRefs{ref}, true
			}
		}
	} else if t.Kind() == reflect.Struct && t != timeType {
		s.Required = requiredOf(t, input)
		wrapRefs(t, s, input)
		if t.Name() != "" {
			return nil // a shared component: the referring field's tags are not its own
		}
	}
	if t.Implements(enumerType) && t.Kind() == reflect.String {
		for _, v := range reflect.Zero(t).Interface().(check.Enumer).Enum() {
			s.Enum = append(s.Enum, v)
		}
	}
	_, opts, _ := strings.Cut(tag.Get("json"), ",")
	if strings.Contains(","+opts+",", ",string,") && t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 {
		s.Type = &openapi3.Types{"string"}
		s.Format, s.Min, s.Max = "", nil, nil
		s.Pattern = idPattern.String()
		if s.Description == "" {
			s.Description = "ID (a decimal string)"
		}
	}
	if input && (t.Kind() == reflect.Slice || t.Kind() == reflect.Map) && !check.Required(tag.Get("binding")) {
		s.Nullable = true // encoding/json takes null for a list or map left out
	}
	if strings.Contains(","+opts+",", ",string,") && t.Kind() == reflect.Slice &&
		t.Elem().Kind() >= reflect.Int && t.Elem().Kind() <= reflect.Uint64 {
		// A list of IDs whose MarshalJSON writes strings (encoding/json
		// itself ignores ,string on a slice).
		s.Items = openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: idPattern.String()})
	}
	if input && t.Kind() == reflect.Int && s.Min == nil && s.Max == nil {
		lo, hi := float64(-1<<31), float64(1<<31-1)
		s.Min, s.Max = &lo, &hi
	}
	if input && check.Required(tag.Get("binding")) {
		s.Nullable = false // a required pointer (*bool, *int) says only that 0 and false count as given
	}
	if d := tag.Get("doc"); d != "" {
		s.Description = d
	}
	if f := tag.Get("format"); f != "" {
		s.Format = f
	}
	if p := tag.Get("pattern"); p != "" {
		s.Pattern = p // only where the handler keeps it (a name no file has is 404 anyway)
	}
	if ex, ok := tag.Lookup("example"); ok {
		s.Example = example(ex, s)
	}
	// openapi3gen hands a slice's items the slice field's tag too (its
	// max, doc, example): items of a plain type are built again without
	// it, and get only the rules after dive.
	// (An inline schema's Ref is its type's name until ref() clears it.)
	inline := func(r *openapi3.SchemaRef) bool { return r != nil && r.Value != nil && !strings.HasPrefix(r.Ref, "#/") }
	if et := deref(t); !ownSchema && (et.Kind() == reflect.Slice || et.Kind() == reflect.Array) && inline(s.Items) {
		if elem := et.Elem(); elem.Kind() <= reflect.Float64 || elem.Kind() == reflect.String {
			fresh, err := openapi3gen.NewSchemaRefForValue(reflect.Zero(elem).Interface(), nil)
			if err != nil {
				return err
			}
			if err := g.customize(elem, "", fresh.Value, input); err != nil {
				return err
			}
			s.Items = openapi3.NewSchemaRef("", fresh.Value)
		}
	}
	rules := tag.Get("binding")
	own, items, _ := strings.Cut(rules, ",dive")
	applyRules(own, s)
	if items != "" && inline(s.Items) {
		applyRules(strings.TrimPrefix(items, ","), s.Items.Value)
	}
	return nil
}

// wrapRefs states what a $ref cannot: a property whose schema is a shared
// component gets its field's doc as its description and nullable when the
// field is a pointer that can be null (in a request, which reads null as
// left out; in a response, when the server sends nil as null: no
// omitempty), each as {allOf: [$ref], ...}. It is the one place a $ref
// becomes nullable.
func wrapRefs(t reflect.Type, s *openapi3.Schema, input bool) {
	for _, f := range jsonFields(t) {
		name := check.JSONName(f)
		p := s.Properties[name]
		if p == nil || !strings.HasPrefix(p.Ref, "#/components/schemas/") {
			continue
		}
		_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		null := f.Type.Kind() == reflect.Pointer && (input || !strings.Contains(","+opts+",", ",omitempty,"))
		doc := f.Tag.Get("doc")
		if !null && doc == "" {
			continue
		}
		s.Properties[name] = &openapi3.SchemaRef{Value: &openapi3.Schema{
			AllOf: openapi3.SchemaRefs{openapi3.NewSchemaRef(p.Ref, nil)}, Nullable: null, Description: doc,
		}}
	}
}

func example(v string, s *openapi3.Schema) any {
	if s.Type.Is("integer") {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	if s.Type.Is("boolean") {
		return v == "true"
	}
	return v
}

// applyRules states binding rules in s.
func applyRules(rules string, s *openapi3.Schema) {
	for _, r := range strings.Split(rules, ",") {
		name, arg, _ := strings.Cut(r, "=")
		n, numErr := strconv.ParseFloat(arg, 64)
		u := uint64(n)
		switch {
		case name == "required" && s.Type.Is("string"):
			if s.MinLength == 0 {
				s.MinLength = 1
			}
		case name == "oneof":
			s.Enum = nil
			for _, v := range strings.Fields(arg) {
				s.Enum = append(s.Enum, v)
			}
		case name == "url" || name == "http_url":
			s.Format = "uri"
		case numErr != nil:
		case name == "max" || name == "lte":
			switch {
			case s.Type.Is("string"):
				s.MaxLength = &u
			case s.Type.Is("array"):
				s.MaxItems = &u
			case s.Type.Is("object"):
				s.MaxProps = &u
			default:
				s.Max = &n
			}
		case name == "min" || name == "gte":
			switch {
			case s.Type.Is("string"):
				s.MinLength = u
			case s.Type.Is("array"):
				s.MinItems = u
			case s.Type.Is("object"):
				s.MinProps = u
			default:
				s.Min = &n
			}
		case name == "len":
			switch {
			case s.Type.Is("string"):
				s.MinLength, s.MaxLength = u, &u
			case s.Type.Is("array"):
				s.MinItems, s.MaxItems = u, &u
			}
		case name == "gt":
			yes := true
			s.Min, s.ExclusiveMin = &n, openapi3.ExclusiveBound{Bool: &yes}
		case name == "lt":
			yes := true
			s.Max, s.ExclusiveMax = &n, openapi3.ExclusiveBound{Bool: &yes}
		}
	}
}

// requiredOf lists a struct's required properties: in a request those
// whose binding says required; in a response every one the server always
// sends (no omitempty).
func requiredOf(t reflect.Type, input bool) []string {
	var req []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := check.JSONName(f)
		if !f.IsExported() || name == "-" {
			continue
		}
		if f.Anonymous && name == f.Name {
			if et := deref(f.Type); et.Kind() == reflect.Struct {
				req = append(req, requiredOf(et, input)...)
				continue
			}
		}
		_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case input && check.Required(f.Tag.Get("binding")):
		case !input && !strings.Contains(","+opts+",", ",omitempty,") && !strings.Contains(","+opts+",", ",omitzero,"):
		default:
			continue
		}
		req = append(req, name)
	}
	return req
}

// routeErrors are the error statuses every operation of its kind can give.
func routeErrors(d documented) []int {
	// 400 on every route: a query string that is not UTF-8 is refused
	// whatever the operation takes (checkUTF8).
	errs := []int{http.StatusBadRequest, http.StatusInternalServerError, http.StatusServiceUnavailable}
	hasPath := strings.ContainsAny(d.Path, ":*")
	if hasPath {
		errs = append(errs, http.StatusNotFound)
	}
	if d.Op.Body != nil {
		errs = append(errs, http.StatusRequestEntityTooLarge)
	}
	if d.Kind != public {
		errs = append(errs, http.StatusUnauthorized)
	}
	if d.Kind == resident || d.Kind == staffer {
		errs = append(errs, http.StatusForbidden)
	}
	if d.Kind == resident && d.Method != http.MethodGet {
		errs = append(errs, http.StatusTooManyRequests) // the resident write limit
	}
	return errs
}

// sharedResponse names base.json's response for an error status.
var sharedResponse = map[int]string{
	400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
	413: "PayloadTooLarge", 429: "TooMany", 500: "Internal", 503: "Unavailable",
}

// operation builds the OpenAPI operation of a documented route.
func (g *schemaGen) operation(d documented) (map[string]any, error) {
	o := d.Op
	if o.Raw != nil {
		raw := map[string]any{"operationId": d.ID, "tags": []string{o.Tag}}
		for k, v := range o.Raw {
			raw[k] = v
		}
		return raw, nil
	}
	res := map[string]any{"operationId": d.ID, "tags": []string{o.Tag}, "summary": o.Summary}
	if o.Description != "" {
		res["description"] = o.Description
	}
	if d.Kind == public {
		res["security"] = []any{}
	}
	if d.Perm != "" {
		res["x-permission"] = string(d.Perm)
	}
	params, err := g.params(d)
	if err != nil {
		return nil, err
	}
	if len(params) > 0 {
		res["parameters"] = params
	}
	if o.Body != nil {
		body, err := g.requestBody(o.Body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.ID, err)
		}
		// bindJSON reads an empty body as {}: a body none of whose fields
		// is required may be left out.
		_, isJSON := body["content"].(map[string]any)["application/json"]
		if t := deref(reflect.TypeOf(o.Body)); o.BodyOptional || isJSON && t.Kind() == reflect.Struct && len(requiredOf(t, true)) == 0 {
			body["required"] = false
		}
		res["requestBody"] = body
	}
	responses := map[string]any{}
	for _, r := range o.Replies {
		resp, err := g.response(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.ID, err)
		}
		responses[strconv.Itoa(r.Status)] = resp
	}
	for _, st := range append(routeErrors(d), o.Errors...) {
		name, ok := sharedResponse[st]
		if !ok {
			return nil, fmt.Errorf("%s: no shared response for %d", d.ID, st)
		}
		responses[strconv.Itoa(st)] = map[string]any{"$ref": "#/components/responses/" + name}
	}
	res["responses"] = responses
	return res, nil
}

func (g *schemaGen) params(d documented) ([]any, error) {
	var out []any
	declared := map[string]reflect.StructField{}
	if d.Op.Path != nil {
		for _, f := range fieldsOf(reflect.TypeOf(d.Op.Path), "uri") {
			declared[f.Tag.Get("uri")] = f
		}
	}
	for _, m := range ginParam.FindAllStringSubmatch(d.Path, -1) {
		name := m[1]
		if f, ok := declared[name]; ok {
			p, err := g.param(f, name, "path")
			if err != nil {
				return nil, err
			}
			out = append(out, p)
			continue
		}
		if name == "id" {
			out = append(out, map[string]any{"$ref": "#/components/parameters/ID"})
			continue
		}
		schema := map[string]any{"type": "string"}
		if strings.HasSuffix(name, "id") {
			schema["pattern"] = idPattern.String()
		}
		out = append(out, map[string]any{"name": name, "in": "path", "required": true, "schema": schema})
	}
	if d.Op.Query != nil {
		for _, f := range fieldsOf(reflect.TypeOf(d.Op.Query), "form") {
			name, _, _ := strings.Cut(f.Tag.Get("form"), ",")
			p, err := g.param(f, name, "query")
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	if n := d.Op.IdempotencyKey; n > 0 {
		out = append(out, map[string]any{"name": "Idempotency-Key", "in": "header",
			"description": "Repeating a request with the same key returns the first result and changes nothing.",
			"schema":      map[string]any{"type": "string", "maxLength": n}})
	}
	return out, nil
}

// fieldsOf lists the fields of a struct carrying tag, embedded structs'
// included.
func fieldsOf(t reflect.Type, tag string) []reflect.StructField {
	t = deref(t)
	var out []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get(tag) == "" {
			out = append(out, fieldsOf(f.Type, tag)...)
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get(tag), ","); name != "" && name != "-" {
			out = append(out, f)
		}
	}
	return out
}

func (g *schemaGen) param(f reflect.StructField, name, in string) (map[string]any, error) {
	// The parameter's schema is that of a field holding it, with its tags.
	// A query ID (`form:"x_id,string"`) is an ID as a body's is.
	name0 := `json:"v" `
	if _, opts, _ := strings.Cut(f.Tag.Get(in2tag(in)), ","); opts == "string" {
		name0 = `json:"v,string" `
	}
	holder := reflect.StructOf([]reflect.StructField{{Name: "V", Type: f.Type, Tag: reflect.StructTag(name0) + f.Tag}})
	ref, err := g.ref(reflect.Zero(holder).Interface(), true)
	if err != nil {
		return nil, err
	}
	s := *ref.Value.Properties["v"].Value
	s.Nullable = false // a parameter is there or not: a pointer field only says it may be left out
	if strings.HasSuffix(name, "_id") && s.Type.Is("string") && s.Pattern == "" {
		s.Pattern = idPattern.String() // an ID, as in a path (the handler parses it with parseID)
	}
	p := map[string]any{"name": name, "in": in}
	if s.Description != "" {
		p["description"], s.Description = s.Description, ""
	}
	p["schema"] = &s
	if in == "path" || check.Required(f.Tag.Get("binding")) {
		p["required"] = true
	}
	return p, nil
}

// in2tag is the struct tag naming a parameter of in.
func in2tag(in string) string {
	if in == "path" {
		return "uri"
	}
	return "form"
}

func (g *schemaGen) requestBody(body any) (map[string]any, error) {
	fileSchema := map[string]any{"type": "object", "required": []string{"file"},
		"properties": map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}}
	shapes, ok := body.(oneOf)
	if !ok {
		shapes = oneOf{body}
	}
	content := map[string]any{}
	var descriptions []string
	var jsonShapes []any
	for _, b := range shapes {
		switch b := b.(type) {
		case upload:
			content["multipart/form-data"] = map[string]any{"schema": fileSchema}
			descriptions = append(descriptions, b.Description)
		case csvUpload:
			content["text/csv"] = map[string]any{"schema": map[string]any{"type": "string"}}
			content["multipart/form-data"] = map[string]any{"schema": fileSchema}
			descriptions = append(descriptions, b.Description)
		default:
			ref, err := g.ref(b, true)
			if err != nil {
				return nil, err
			}
			if ref.Value != nil {
				ref.Value.Nullable = false // a body of null is refused (bindJSON)
			}
			jsonShapes = append(jsonShapes, ref)
		}
	}
	switch len(jsonShapes) {
	case 0:
	case 1:
		content["application/json"] = map[string]any{"schema": jsonShapes[0]}
	default:
		content["application/json"] = map[string]any{"schema": map[string]any{"oneOf": jsonShapes}}
	}
	res := map[string]any{"required": true, "content": content}
	if d := strings.Join(descriptions, " "); d != "" {
		res["description"] = d
	}
	return res, nil
}

func (g *schemaGen) response(r reply) (map[string]any, error) {
	res := map[string]any{"description": r.Description}
	if len(r.Headers) > 0 {
		hs := map[string]any{}
		for k, v := range r.Headers {
			hs[k] = map[string]any{"description": v, "schema": map[string]any{"type": "string"}}
		}
		res["headers"] = hs
	}
	if r.Body == nil {
		return res, nil
	}
	types := r.Types
	if len(types) == 0 {
		types = []string{"application/json"}
	}
	var schema any
	if _, bin := r.Body.(binaryBody); bin {
		schema = map[string]any{"type": "string", "format": "binary"}
	} else if shapes, ok := r.Body.(oneOf); ok {
		var refs []any
		for _, b := range shapes {
			ref, err := g.ref(b, false)
			if err != nil {
				return nil, err
			}
			refs = append(refs, ref)
		}
		schema = map[string]any{"oneOf": refs}
	} else {
		ref, err := g.ref(r.Body, false)
		if err != nil {
			return nil, err
		}
		schema = ref
	}
	content := map[string]any{}
	for _, ct := range types {
		s := schema
		if strings.HasPrefix(ct, "text/") {
			s = map[string]any{"type": "string"}
		}
		content[ct] = map[string]any{"schema": s}
	}
	res["content"] = content
	return res, nil
}

// jsonFields lists a struct's fields as encoding/json sees them, the
// fields of embedded structs included.
func jsonFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		name := check.JSONName(f)
		if !f.IsExported() || name == "-" {
			continue
		}
		if f.Anonymous && name == f.Name && deref(f.Type).Kind() == reflect.Struct {
			out = append(out, jsonFields(deref(f.Type))...)
			continue
		}
		out = append(out, f)
	}
	return out
}

// generatedPaths builds the paths and schemas of every documented route.
func (s *Server) generatedPaths() (map[string]map[string]any, openapi3.Schemas, error) {
	g := newSchemaGen()
	paths := map[string]map[string]any{}
	sort.SliceStable(s.docs, func(i, j int) bool { return s.docs[i].Path < s.docs[j].Path })
	for _, d := range s.docs {
		operation, err := g.operation(d)
		if err != nil {
			return nil, nil, err
		}
		p := openAPIPath(d.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		m := strings.ToLower(d.Method)
		if _, dup := paths[p][m]; dup {
			return nil, nil, fmt.Errorf("%s %s is documented twice", d.Method, p)
		}
		paths[p][m] = operation
	}
	return paths, g.schemas, nil
}
