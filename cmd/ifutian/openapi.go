package main

import (
	"io"

	"github.com/futian/ifutian/api"
)

// openapiCommand prints the OpenAPI document the server serves at
// /openapi.json. The console's API types are generated from it:
//
//	go run ./cmd/ifutian openapi > console/openapi.json
func openapiCommand(stdout io.Writer) error {
	spec, err := api.Spec()
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(spec, '\n'))
	return err
}
