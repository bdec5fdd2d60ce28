package api

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
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
// The build precompresses its text files (name.br, name.gz beside name,
// console/scripts/compress.mjs): each is sent in the best encoding the
// request's Accept-Encoding allows, with Vary: Accept-Encoding so that a
// cache keeps one copy per encoding.
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
		if !isStaticFile(consoleFiles, name) {
			notFound(c) // a missing asset is a 404, never index.html
			return
		}
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		serveStatic(c.Writer, r, consoleFiles, name)
		return
	}
	h.Set("Content-Security-Policy", consoleCSP)
	if name != "" && name != "index.html" && isStaticFile(consoleFiles, name) {
		h.Set("Cache-Control", "no-cache") // unhashed files at the root (the icon)
		serveStatic(c.Writer, r, consoleFiles, name)
		return
	}
	if !isStaticFile(consoleFiles, "index.html") {
		s.fail(c, fs.ErrNotExist)
		return
	}
	h.Set("Cache-Control", "no-store")
	serveStatic(c.Writer, r, consoleFiles, "index.html")
}

// isStaticFile says whether name is a file of files that a request may ask
// for: not a folder, and not one of the precompressed copies, which are
// only ever sent in place of their file.
func isStaticFile(files fs.FS, name string) bool {
	if !fs.ValidPath(name) || strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
		return false
	}
	st, err := fs.Stat(files, name)
	return err == nil && !st.IsDir()
}

// staticEncodings are the precompressed copies a file may have, best first:
// the Content-Encoding and the suffix of its file.
var staticEncodings = [...]struct{ coding, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// serveStatic sends the file name of files (which exists) in the best
// encoding that both the request accepts (the highest q-value; br before
// gzip when equal) and the build precompressed, with
// the Content-Type of the file itself. The caller has set the caching and
// CSP headers.
func serveStatic(w http.ResponseWriter, r *http.Request, files fs.FS, name string) {
	h := w.Header()
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	send := name
	varies := false
	weight := acceptedEncodings(r.Header.Get("Accept-Encoding"))
	best := 0.0
	for _, e := range staticEncodings {
		if _, err := fs.Stat(files, name+e.suffix); err != nil {
			continue
		}
		varies = true // there is a copy to choose, so the answer depends on the header
		if q := weight(e.coding); q > best {
			best, send = q, name+e.suffix
			h.Set("Content-Encoding", e.coding)
		}
	}
	if varies {
		h.Add("Vary", "Accept-Encoding")
	}
	body, err := fs.ReadFile(files, send)
	if err != nil {
		http.Error(w, "cannot read "+name, http.StatusInternalServerError)
		return
	}
	// A range request gets the whole file (RFC 9110 lets a server ignore
	// Range); the embedded files have no time, so no Last-Modified.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body) //nolint:errcheck // the client went away: nothing to tell it
	}
}

// acceptedEncodings reads an Accept-Encoding header (RFC 9110 §12.5.3)
// into the weight of a coding: its q-value if listed, else that of *, else
// 0 (not accepted).
func acceptedEncodings(header string) func(coding string) float64 {
	q := map[string]float64{}
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "" {
			continue
		}
		weight := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					weight = f
				}
			}
		}
		q[coding] = weight
	}
	return func(coding string) float64 {
		if w, ok := q[coding]; ok {
			return w
		}
		return q["*"]
	}
}
