package media_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/storage"
)

// TestPictures: a saved picture gets two fresh names under the public
// prefix, each served by its link's name and by nothing else; saving the
// same bytes again gives new names (a name is never written twice).
func TestPictures(t *testing.T) {
	dir := t.TempDir()
	store, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := media.NewPictures(store, media.NewDefaultLimiter(), "https://ifutian.example")
	img := image.NewNRGBA(image.Rect(0, 0, 2000, 100))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pic, err := p.Save(ctx, bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.Save(ctx, bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if again.Key == pic.Key || again.ThumbKey == pic.ThumbKey || pic.Key == pic.ThumbKey {
		t.Fatalf("names reused: %+v %+v", pic, again)
	}
	for _, c := range []struct {
		key  string
		ct   string
		side int
	}{{pic.Key, "image/png", media.PublicSide}, {pic.ThumbKey, "image/jpeg", media.PublicThumbSide}} {
		link := p.URL(&c.key)
		name, ok := strings.CutPrefix(link, "https://ifutian.example/api/v1/media/images/")
		if !ok || strings.ContainsAny(name, "/?") {
			t.Fatalf("link %q", link)
		}
		body, ct, err := p.Open(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := image.Decode(body)
		body.Close()
		if err != nil || ct != c.ct || got.Bounds().Dx() != c.side {
			t.Fatalf("%s: %s %v %v", c.key, ct, got, err)
		}
	}
	// Another prefix's object, a climb out, a malformed name: nothing.
	photo := storage.NewKey("photo")
	if err := store.Put(ctx, photo, strings.NewReader("a resident's photo"), 18, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	_, photoName, _ := strings.Cut(photo, "/")
	for _, name := range []string{photoName, "../" + photo, strings.ToUpper(photoName), "", "x"} {
		if _, _, err := p.Open(ctx, name); !errors.Is(err, media.ErrNoPicture) {
			t.Errorf("Open(%q): %v, want ErrNoPicture", name, err)
		}
	}
	for _, key := range []*string{nil, &photo} {
		if link := p.URL(key); link != "" {
			t.Errorf("URL(%v) = %q, want none", key, link)
		}
	}
	// A file that is no picture is refused naming file, and nothing is stored.
	countFiles := func() int {
		fs, _ := filepath.Glob(filepath.Join(dir, media.PublicPrefix, "*"))
		return len(fs)
	}
	before := countFiles()
	_, err = p.Save(ctx, strings.NewReader(strings.Repeat("no picture ", 10)))
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("Save(text): %v", err)
	}
	if after := countFiles(); after != before || before == 0 {
		t.Fatalf("files %d → %d", before, after)
	}
}
