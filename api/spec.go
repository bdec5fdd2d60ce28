package api

// Spec returns the OpenAPI document the server serves at /openapi.json
// (`ifutian openapi` prints it for the console's generated types).
func Spec() ([]byte, error) { return buildSpec() }
