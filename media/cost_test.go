package media

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// allocated is the memory decoding data takes, as the runtime counts it.
func allocated(t *testing.T, kind string, data []byte) int64 {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	img, err := decode(kind, data)
	runtime.ReadMemStats(&after)
	if err != nil || img == nil {
		t.Fatalf("decode: %v", err)
	}
	return int64(after.TotalAlloc - before.TotalAlloc)
}

func encoded(t *testing.T, img image.Image, asJPEG bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInspectBoundsDecoding checks Inspect's estimate against what the
// decoders really allocate, for every kind of picture they take: JPEG
// baseline and progressive in each subsampling, grey, CMYK and RGB; PNG in
// each colour type and depth, interlaced; WebP lossy, with alpha and
// lossless. An estimate below the real allocation would let the Limiter
// admit more than its budget.
func TestInspectBoundsDecoding(t *testing.T) {
	const w, h = 640, 480
	files := map[string][]byte{
		"jpeg 4:2:0 baseline": encoded(t, image.NewRGBA(image.Rect(0, 0, w, h)), true),
		"jpeg grey baseline":  encoded(t, image.NewGray(image.Rect(0, 0, w, h)), true),
		"png gray8":           encoded(t, image.NewGray(image.Rect(0, 0, w, h)), false),
		"png gray16":          encoded(t, image.NewGray16(image.Rect(0, 0, w, h)), false),
		"png rgb8":            encoded(t, image.NewRGBA(image.Rect(0, 0, w, h)), false),
		"png nrgba8":          encoded(t, translucent(image.NewNRGBA(image.Rect(0, 0, w, h))), false),
		"png rgb16":           encoded(t, image.NewRGBA64(image.Rect(0, 0, w, h)), false),
		"png nrgba16":         encoded(t, translucent(image.NewNRGBA64(image.Rect(0, 0, w, h))), false),
		"png paletted":        encoded(t, image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White}), false),
	}
	root := filepath.Join(runtime.GOROOT(), "src", "image")
	for _, name := range []string{
		"testdata/video-001.progressive.jpeg", "testdata/video-001.q50.444.progressive.jpeg",
		"testdata/video-001.q50.422.progressive.jpeg", "testdata/video-001.q50.410.progressive.jpeg",
		"testdata/video-001.q50.444.jpeg", "testdata/video-001.q50.411.jpeg", "testdata/video-001.cmyk.jpeg",
		"testdata/video-001.rgb.jpeg", "testdata/video-005.gray.q50.progressive.jpeg",
		"png/testdata/benchRGB-interlace.png", "png/testdata/gray-gradient.interlaced.png",
		"png/testdata/pngsuite/basn3p04-31i.png", "png/testdata/pngsuite/basn0g16.png",
	} {
		if b, err := os.ReadFile(filepath.Join(root, name)); err == nil {
			files[name] = b
		} else {
			t.Logf("skipped %s: %v", name, err)
		}
	}
	webps, _ := filepath.Glob("testdata/*.webp")
	for _, name := range webps {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	// What the decoders allocate whatever the picture (tables, buffers).
	const fixed = 96 << 10
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			info, err := Inspect(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			got := allocated(t, info.ContentType, data)
			if got > info.DecodedBytes+fixed {
				t.Fatalf("%dx%d: decoding allocated %d bytes, Inspect estimated %d", info.Width, info.Height, got, info.DecodedBytes)
			}
			t.Logf("%dx%d: allocated %d, estimated %d", info.Width, info.Height, got, info.DecodedBytes)
		})
	}
}

// translucent makes one pixel translucent, so that the encoder keeps the
// alpha channel.
func translucent[T interface {
	image.Image
	Set(x, y int, c color.Color)
}](img T) T {
	img.Set(0, 0, color.NRGBA{1, 2, 3, 4})
	return img
}
