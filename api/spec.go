package api

// Spec returns the OpenAPI document the server serves at /openapi.json
// (`ifutian openapi` prints it for the console's generated types).
// It needs no services: only the route table and its documents.
func Spec() ([]byte, error) {
	s, err := New(Config{})
	if err != nil {
		return nil, err
	}
	return s.spec, nil
}

// buildSpec is Spec, for the tests.
func buildSpec() ([]byte, error) { return Spec() }
