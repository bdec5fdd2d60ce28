// Package console holds the department console, the web client that staff
// use every day (Vue 3, Element Plus and ECharts, compiled by Vite). Its
// built files in dist/ are committed and embedded, so the binary serves the
// console at /console/ on a machine with only Go installed; `npm ci && npm
// run build` in this folder reproduces them. The console is a client of
// /api/v1 only: its API types are generated from openapi.json, the document
// the server serves (`ifutian openapi > console/openapi.json`).
package console

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Files returns the built console: index.html at its root and the hashed
// assets under assets/.
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: fs.Sub cannot fail on it
	}
	return sub
}
