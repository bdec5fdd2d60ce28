package migrations

// Provider gives the tests of the migrations a goose provider to step with.
var Provider = provider
