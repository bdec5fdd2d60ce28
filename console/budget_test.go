package console

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// firstScreenBudget is the most JavaScript and CSS, as sent brotli-compressed,
// that a browser may need before the console's first screen shows: the
// sign-in page for a visitor, and the start page (the menu's layout and 待办概览)
// for a member already signed in. README's Console section states the
// measured figures; TestFirstScreenBudget -v prints them.
const firstScreenBudget = 150 * 1024

var (
	indexScript = regexp.MustCompile(`<script type="module"[^>]* src="/console/(assets/[^"]+)"`)
	indexLinks  = regexp.MustCompile(`<link rel="(?:modulepreload|stylesheet)"[^>]* href="/console/(assets/[^"]+)"`)
	// Vite names every file a dynamic import needs in one array
	// (__vite__mapDeps's m.f) and each import by indices into it.
	depFiles   = regexp.MustCompile(`m\.f=\[([^\]]*)\]`)
	dynImport  = regexp.MustCompile("import\\(`\\./([A-Za-z]+)-[A-Za-z0-9_-]+\\.js`\\),__vite__mapDeps\\(\\[([0-9,]*)\\]\\)")
	quotedFile = regexp.MustCompile(`"(assets/[^"]+)"`)
)

func TestFirstScreenBudget(t *testing.T) {
	files := Files()
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	entry := indexScript.FindSubmatch(index)
	if entry == nil {
		t.Fatalf("index.html names no entry script:\n%s", index)
	}
	if _, err := fs.Stat(files, string(entry[1])+".br"); err != nil {
		t.Fatalf("%s has no precompressed copy: run npm run build in console/ (it precompresses dist/)", entry[1])
	}
	first := []string{string(entry[1])}
	for _, m := range indexLinks.FindAllSubmatch(index, -1) {
		first = append(first, string(m[1]))
	}
	// The screens loaded next: each route's chunk with the files it needs.
	entryJS, err := fs.ReadFile(files, first[0])
	if err != nil {
		t.Fatal(err)
	}
	deps := depFiles.FindSubmatch(entryJS)
	if deps == nil {
		t.Fatalf("%s lists no files of its dynamic imports (__vite__mapDeps): has Vite's output changed?", first[0])
	}
	var all []string
	for _, m := range quotedFile.FindAllSubmatch(deps[1], -1) {
		all = append(all, string(m[1]))
	}
	screen := map[string][]string{}
	for _, m := range dynImport.FindAllSubmatch(entryJS, -1) {
		for _, i := range strings.Split(string(m[2]), ",") {
			n, err := strconv.Atoi(i)
			if err != nil || n >= len(all) {
				t.Fatalf("import of %s: bad index %q into %d files", m[1], i, len(all))
			}
			screen[string(m[1])] = append(screen[string(m[1])], all[n])
		}
	}
	for _, s := range []string{"Login", "Layout", "Home"} {
		if len(screen[s]) == 0 {
			t.Fatalf("the entry imports no %s screen: has Vite's output or the router changed?", s)
		}
	}
	for _, c := range []struct {
		what    string
		screens []string
	}{
		{"sign-in page", []string{"Login"}},
		{"start page, signed in", []string{"Layout", "Home"}},
	} {
		set := append([]string{}, first...)
		for _, s := range c.screens {
			set = append(set, screen[s]...)
		}
		raw, br, js, css, n := 0, 0, 0, 0, 0
		seen := map[string]bool{}
		sort.Strings(set)
		for _, name := range set {
			if seen[name] {
				continue
			}
			seen[name] = true
			n++
			plain := size(t, files, name)
			wire := plain
			if _, err := fs.Stat(files, name+".br"); err == nil {
				wire = size(t, files, name+".br") // else too small to gain from it
			}
			raw += plain
			br += wire
			if strings.HasSuffix(name, ".css") {
				css += wire
			} else {
				js += wire
			}
		}
		t.Logf("%s: %d files, %s of JS and CSS (%s brotli: JS %s, CSS %s)", c.what, n, kb(raw), kb(br), kb(js), kb(css))
		if br > firstScreenBudget {
			t.Errorf("%s needs %s of JS and CSS (brotli), over the budget of %s", c.what, kb(br), kb(firstScreenBudget))
		}
	}
}

func size(t *testing.T, files fs.FS, name string) int {
	t.Helper()
	st, err := fs.Stat(files, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return int(st.Size())
}

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }
