package api

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/console"
)

// The department console (package console) is a static site served beside
// the API, from the router's NoRoute handler so that the route table, its
// tests and the OpenAPI document stay the API's alone:
//   - /console/assets/… are Vite's content-hashed files, cached for a year;
//   - any other path under /console/ is a screen of the console's own router
//     and gets index.html, never cached, so a new build takes effect at once;
//   - / and /console redirect to /console/.
//
// The console's CSP allows only its own origin: no inline script or style,
// no third-party origin, and connections to this server's API only.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var consoleFiles = console.Files()

// serveConsole answers requests no API route matched: the console's files
// under /console/, and the contract's 404 anywhere else.
func (s *Server) serveConsole(c *gin.Context) {
	r := c.Request
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		notFound(c)
		return
	}
	if r.URL.Path == "/" || r.URL.Path == "/console" {
		c.Redirect(http.StatusFound, "/console/")
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/console/")
	if !ok {
		notFound(c)
		return
	}
	h := c.Writer.Header()
	if strings.HasPrefix(name, "assets/") {
		if !isConsoleFile(name) {
			notFound(c) // a missing asset is a 404, never index.html
			return
		}
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeFileFS(c.Writer, r, consoleFiles, name)
		return
	}
	h.Set("Content-Security-Policy", consoleCSP)
	if name != "" && name != "index.html" && isConsoleFile(name) {
		h.Set("Cache-Control", "no-cache") // unhashed files at the root (the icon)
		http.ServeFileFS(c.Writer, r, consoleFiles, name)
		return
	}
	index, err := fs.ReadFile(consoleFiles, "index.html")
	if err != nil {
		s.fail(c, err)
		return
	}
	h.Set("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", index)
}

func isConsoleFile(name string) bool {
	if !fs.ValidPath(name) {
		return false
	}
	st, err := fs.Stat(consoleFiles, name)
	return err == nil && !st.IsDir()
}
