package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// The OpenAPI document is kept as one base file plus one fragment per
// module (paths and component schemas), merged when the server starts.
//
//go:embed openapi/*.json
var specFiles embed.FS

func buildSpec() ([]byte, error) {
	var base map[string]any
	if err := readSpecFile("openapi/base.json", &base); err != nil {
		return nil, err
	}
	paths := map[string]map[string]any{}
	components, _ := base["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
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
			Paths      map[string]map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := readSpecFile(name, &frag); err != nil {
			return nil, err
		}
		for p, ops := range frag.Paths {
			if paths[p] == nil {
				paths[p] = map[string]any{}
			}
			for method, op := range ops {
				if _, dup := paths[p][method]; dup {
					return nil, fmt.Errorf("%s: %s %s is described twice", name, method, p)
				}
				paths[p][method] = op
			}
		}
		for k, v := range frag.Components.Schemas {
			if _, dup := schemas[k]; dup {
				return nil, fmt.Errorf("%s: schema %s is described twice", name, k)
			}
			schemas[k] = v
		}
	}
	base["paths"] = paths
	return json.MarshalIndent(base, "", "  ")
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
