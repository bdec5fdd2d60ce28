package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/futian/ifutian/internal/apperr"
)

// The OpenAPI document is kept as one base file plus one fragment per
// module (paths and component schemas), merged when the server starts.
// Operations and schemas are copied as written, so their properties keep
// the order their authors gave them (only paths and schema names are
// sorted).
//
// Every operation the router serves is documented here, and the API tests
// hold the document to these rules (contract_test.go, contract_check_test.go):
//   - operationId is the name of the operation's handler in routes.go;
//   - one tag, declared in base.json; a resident-facing operation (tags
//     auth, residents, points, enterprises, notices, surveys) has a
//     Chinese summary;
//   - every error status it can give is declared with the shared responses
//     of base.json (BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
//     PayloadTooLarge, TooMany, Internal, Unavailable);
//   - a response schema lists as required every property the server always
//     sends and marks nullable the ones that can be null; a request schema
//     has its own shape (e.g. AudienceInput) where it differs;
//   - every exchange of the API tests matches the document.
//
//go:embed openapi/*.json
var specFiles embed.FS

// buildSpec is the served document: base.json (info, tags, the shared
// responses and parameters), the operations the route table documents
// (contract.go) and the module fragments not yet moved to it.
func (s *Server) buildSpec() ([]byte, error) {
	var base map[string]json.RawMessage
	if err := readSpecFile("openapi/base.json", &base); err != nil {
		return nil, err
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
	names, err := fs.Glob(specFiles, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		if path.Base(name) == "base.json" {
			continue
		}
		var frag struct {
			Paths      map[string]map[string]json.RawMessage `json:"paths"`
			Components struct {
				Schemas map[string]json.RawMessage `json:"schemas"`
			} `json:"components"`
		}
		if err := readSpecFile(name, &frag); err != nil {
			return nil, err
		}
		for p, ops := range frag.Paths {
			if paths[p] == nil {
				paths[p] = map[string]json.RawMessage{}
			}
			for method, op := range ops {
				if _, dup := paths[p][method]; dup {
					return nil, fmt.Errorf("%s: %s %s is described twice", name, method, p)
				}
				paths[p][method] = op
			}
		}
		for k, v := range frag.Components.Schemas {
			// While a module moves over, a schema its fragment still
			// describes wins over the one generated from the same Go
			// type for another module's operation (GET /home shows
			// activities', requests' and surveys' types).
			if _, dup := schemas[k]; dup && genSchemas[k] == nil {
				return nil, fmt.Errorf("%s: schema %s is described twice", name, k)
			}
			schemas[k] = v
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

func readSpecFile(name string, dst any) error {
	b, err := specFiles.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
