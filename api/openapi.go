package api

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/futian/ifutian/internal/apperr"
)

// The OpenAPI document is generated from the route table (contract.go)
// when the server starts, on the prose of base.json: the info, the tags,
// the security schemes and the shared error responses, which state no
// limit or enum of their own (the error codes and reasons are filled in
// from Go here, and the shared ID path parameter is made from the pattern
// parseID holds IDs to).
//
// Every operation the router serves is documented, and the API tests hold
// the document to these rules (contract_test.go, contract_check_test.go):
//   - operationId is the name of the operation's handler in routes.go;
//   - one tag, declared in base.json; a resident-facing operation (tags
//     auth, residents, points, enterprises, notices, surveys) has a
//     Chinese summary;
//   - every error status it can give is declared with the shared responses
//     of base.json (BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
//     PayloadTooLarge, TooMany, Internal, Unavailable);
//   - a response schema lists as required every property the server always
//     sends and marks nullable the ones that can be null; a request schema
//     has its own shape (…Input) where it differs;
//   - every exchange of the API tests matches the document.
//
//go:embed openapi/base.json
var baseSpec []byte

// buildSpec is the served document: base.json and the operations and
// schemas the route table documents (contract.go).
func (s *Server) buildSpec() ([]byte, error) {
	var base map[string]json.RawMessage
	if err := json.Unmarshal(baseSpec, &base); err != nil {
		return nil, fmt.Errorf("openapi/base.json: %w", err)
	}
	var components map[string]json.RawMessage
	if err := json.Unmarshal(base["components"], &components); err != nil {
		return nil, fmt.Errorf("openapi/base.json: components: %w", err)
	}
	var schemas map[string]json.RawMessage
	if err := json.Unmarshal(components["schemas"], &schemas); err != nil {
		return nil, fmt.Errorf("openapi/base.json: components.schemas: %w", err)
	}
	if err := errorEnums(schemas); err != nil {
		return nil, err
	}
	// The ID path parameter: its pattern is the one parseID holds IDs to.
	params, err := json.Marshal(map[string]any{"ID": map[string]any{"name": "id", "in": "path", "required": true,
		"schema": map[string]any{"type": "string", "pattern": idPattern.String()}}})
	if err != nil {
		return nil, err
	}
	components["parameters"] = params
	gen, genSchemas, err := s.generatedPaths()
	if err != nil {
		return nil, err
	}
	paths := map[string]map[string]json.RawMessage{}
	for p, ops := range gen {
		paths[p] = map[string]json.RawMessage{}
		for m, o := range ops {
			if paths[p][m], err = json.Marshal(o); err != nil {
				return nil, err
			}
		}
	}
	for name, sc := range genSchemas {
		if _, dup := schemas[name]; dup {
			return nil, fmt.Errorf("schema %s is described twice (generated and in base.json)", name)
		}
		if schemas[name], err = json.Marshal(sc); err != nil {
			return nil, err
		}
	}
	if components["schemas"], err = json.Marshal(schemas); err != nil {
		return nil, err
	}
	if base["components"], err = json.Marshal(components); err != nil {
		return nil, err
	}
	if base["paths"], err = json.Marshal(paths); err != nil {
		return nil, err
	}
	return json.MarshalIndent(base, "", "  ")
}

// errorEnums states in base.json's Error schema the enums Go holds: the
// contract codes (apperr.Code) and the reasons of refusals (apperr.Reason).
func errorEnums(schemas map[string]json.RawMessage) error {
	set := func(name string, path []string, values []string) error {
		var s map[string]any
		if err := json.Unmarshal(schemas[name], &s); err != nil {
			return fmt.Errorf("openapi/base.json: schema %s: %w", name, err)
		}
		m := s
		for _, k := range path {
			next, ok := m[k].(map[string]any)
			if !ok {
				return fmt.Errorf("openapi/base.json: schema %s has no %v", name, path)
			}
			m = next
		}
		m["enum"] = values
		var err error
		schemas[name], err = json.Marshal(s)
		return err
	}
	if err := set("Error", []string{"properties", "error", "properties", "code"}, apperr.Code("").Enum()); err != nil {
		return err
	}
	return set("ErrorDetails", []string{"properties", "reason"}, apperr.Reason("").Enum())
}
