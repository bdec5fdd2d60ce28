package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/futian/ifutian/internal/apperr"
)

// testImage is a w×h picture, red on its left half and blue on its right.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{200, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 200, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// exifGPS is an Exif APP1 payload as a phone writes it: IFD0 with Make,
// Orientation and a pointer to a GPS IFD holding a latitude reference and
// latitude (22°32'N, Futian).
func exifGPS(orientation uint16) []byte {
	le := binary.LittleEndian
	var t bytes.Buffer
	t.WriteString("II")
	binary.Write(&t, le, uint16(42))
	binary.Write(&t, le, uint32(8)) // IFD0 at 8
	// IFD0: 3 entries, at 8; its data after it.
	ifd0Len := 2 + 3*12 + 4
	makeOff := 8 + ifd0Len
	gpsOff := makeOff + 8
	binary.Write(&t, le, uint16(3))
	entry := func(tag, typ uint16, count, value uint32) {
		binary.Write(&t, le, tag)
		binary.Write(&t, le, typ)
		binary.Write(&t, le, count)
		binary.Write(&t, le, value)
	}
	entry(0x010F, 2, 8, uint32(makeOff))     // Make, ASCII
	entry(0x0112, 3, 1, uint32(orientation)) // Orientation, SHORT
	entry(0x8825, 4, 1, uint32(gpsOff))      // GPSInfo IFD pointer
	binary.Write(&t, le, uint32(0))
	t.WriteString("PhoneX1\x00")
	// GPS IFD: LatitudeRef "N", Latitude 22/1 32/1 0/1.
	latOff := gpsOff + 2 + 2*12 + 4
	binary.Write(&t, le, uint16(2))
	entry(0x0001, 2, 2, uint32('N'))
	entry(0x0002, 5, 3, uint32(latOff))
	binary.Write(&t, le, uint32(0))
	for _, v := range []uint32{22, 1, 32, 1, 0, 1} {
		binary.Write(&t, le, v)
	}
	return append([]byte("Exif\x00\x00"), t.Bytes()...)
}

// withAPP1 inserts an APP1 segment right after a JPEG's SOI.
func withAPP1(jpg, payload []byte) []byte {
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

func phoneJPEG(t testing.TB, w, h int, orientation uint16) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return withAPP1(buf.Bytes(), exifGPS(orientation))
}

func TestSanitizeImageDropsEXIF(t *testing.T) {
	in := phoneJPEG(t, 64, 32, 1)
	if jpegOrientation(in) != 1 || !bytes.Contains(in, []byte("Exif\x00\x00")) || !bytes.Contains(in, []byte("PhoneX1")) {
		t.Fatal("the test photo should carry EXIF with a device and GPS")
	}
	if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("the test photo is no valid JPEG: %v", err)
	}
	out, ct, w, h, err := sanitizeImage(in)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "image/jpeg" || w != 64 || h != 32 {
		t.Fatalf("got %s %dx%d, want image/jpeg 64x32", ct, w, h)
	}
	for _, leak := range [][]byte{[]byte("Exif"), []byte("PhoneX1"), {0xFF, 0xE1}} {
		if bytes.Contains(out, leak) {
			t.Fatalf("the stored photo still holds %q", leak)
		}
	}
	if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("stored photo: %v", err)
	}
}

func TestSanitizeImageOrientation(t *testing.T) {
	// Orientation 6: the camera held upright wrote a landscape frame to be
	// turned 90° clockwise. The left (red) half ends on top.
	out, _, w, h, err := sanitizeImage(phoneJPEG(t, 64, 32, 6))
	if err != nil {
		t.Fatal(err)
	}
	if w != 32 || h != 64 {
		t.Fatalf("got %dx%d, want 32x64 (turned upright)", w, h)
	}
	img, _ := jpeg.Decode(bytes.NewReader(out))
	r, _, b, _ := img.At(16, 8).RGBA()
	if r < b {
		t.Fatalf("the top of the turned photo is blue, want red")
	}
}

func TestSanitizeImageKinds(t *testing.T) {
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, testImage(40, 30))
	out, ct, _, _, err := sanitizeImage(pngBuf.Bytes())
	if err != nil || ct != "image/png" {
		t.Fatalf("png: %s %v", ct, err)
	}
	if _, err := png.Decode(bytes.NewReader(out)); err != nil {
		t.Fatal(err)
	}

	// A big photo is scaled down to 2048.
	var big bytes.Buffer
	jpeg.Encode(&big, testImage(3000, 1000), nil)
	_, _, w, h, err := sanitizeImage(big.Bytes())
	if err != nil || w != 2048 || h != 2048/3 {
		t.Fatalf("big photo: %dx%d %v, want %dx%d", w, h, err, 2048, 2048/3)
	}

	for name, data := range map[string][]byte{
		"text named .jpg": []byte("this is not a picture at all, only text"),
		"gif":             []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;....."),
		"truncated jpeg":  phoneJPEG(t, 64, 32, 1)[:300],
		"empty":           nil,
		"pdf":             []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj"),
	} {
		if _, _, _, _, err := sanitizeImage(data); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("%s: %v, want invalid_argument", name, err)
		}
	}
}

func TestSanitizeImageBomb(t *testing.T) {
	// A PNG header claiming 20000×20000 pixels is refused from its header.
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], 20000)
	binary.BigEndian.PutUint32(b[20:], 20000)
	_, _, _, _, err := sanitizeImage(b)
	e, ok := err.(*apperr.Error)
	if !ok || e.Fields["file"] == "" {
		t.Fatalf("bomb: %v, want invalid_argument naming file", err)
	}
}

// sanitizeImage processes data as a request photo is: one variant, at most
// 2048 pixels, PNG kept.
func sanitizeImage(data []byte) ([]byte, string, int, int, error) {
	out, err := NewDefaultLimiter().Process(context.Background(), bytes.NewReader(data), int64(len(data)), Variant{MaxSide: 2048})
	if err != nil {
		return nil, "", 0, 0, err
	}
	return out[0].Data, out[0].ContentType, out[0].Width, out[0].Height, nil
}
