package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/futian/ifutian/internal/apperr"
)

// Bounds of an uploaded picture, checked from its header before anything
// is decoded, so that a small file claiming a huge image (a decompression
// bomb) is refused without allocating it.
const (
	// MaxDecodedBytes is the most memory one picture may take decoded (by
	// its pixels, bit depth, channels, and the decoder's working copies;
	// see Inspect): a 12-megapixel progressive JPEG or a 30-megapixel
	// baseline one from a phone fits, a 16-bit 6000×6666 PNG (320 MB) does
	// not.
	MaxDecodedBytes = 128 << 20
	MaxPixels       = 40_000_000
	MaxSide         = 12_000
	jpegQuality     = 85
	minImageSize    = 16 // bytes: anything shorter is no image
	// overhead is what a decode holds besides the decoded picture and the
	// file: the scaled and turned working images (at most 2048² RGBA each)
	// and the encoded results.
	overhead = 40 << 20
)

var (
	errNotImage = apperr.Field("file", "须为 JPEG、PNG 或 WebP 图片")
	errTooBig   = apperr.Field("file", "图片尺寸过大，请压缩后再上传")
)

// Info is what a picture's header tells before it is decoded.
type Info struct {
	ContentType string // image/jpeg, image/png or image/webp, by content
	Width       int
	Height      int
	// DecodedBytes bounds the memory decoding it takes (tested against
	// the decoders' real allocations).
	DecodedBytes int64
}

// Inspect reads a picture's header from r (size bytes): its type by
// content (not its name), dimensions and the memory decoding it would
// take. It returns an invalid_argument error naming "file" for anything
// that is no JPEG, PNG or WebP, or whose decoding would exceed
// MaxSide, MaxPixels or MaxDecodedBytes.
func Inspect(r io.ReaderAt, size int64) (Info, error) {
	if size < minImageSize {
		return Info{}, errNotImage
	}
	var head [512]byte
	n, _ := r.ReadAt(head[:], 0)
	kind := http.DetectContentType(head[:n])
	sr := io.NewSectionReader(r, 0, size)
	var cfg image.Config
	var err error
	switch kind {
	case "image/jpeg":
		cfg, err = jpeg.DecodeConfig(sr)
	case "image/png":
		cfg, err = png.DecodeConfig(sr)
	case "image/webp":
		cfg, err = webp.DecodeConfig(sr)
	default:
		return Info{}, errNotImage
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return Info{}, errNotImage
	}
	info := Info{ContentType: kind, Width: cfg.Width, Height: cfg.Height}
	if cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return info, errTooBig
	}
	switch kind {
	case "image/jpeg":
		info.DecodedBytes, err = jpegCost(r, size)
	case "image/png":
		info.DecodedBytes = pngCost(head[:n])
	case "image/webp":
		info.DecodedBytes = webpCost(cfg.Width, cfg.Height)
	}
	if err != nil || info.DecodedBytes <= 0 {
		return info, errNotImage
	}
	if info.DecodedBytes > MaxDecodedBytes {
		return info, errTooBig
	}
	return info, nil
}

// pngCost is what image/png allocates for a PNG: the picture in the type
// it decodes to (Gray, Paletted, NRGBA, RGBA, or their 16-bit forms; a
// grey or RGB PNG with transparency becomes NRGBA, so every 8-bit PNG
// but a paletted one counts 4 bytes a pixel), twice for an interlaced one
// (each pass is decoded apart, then merged).
func pngCost(head []byte) int64 {
	if len(head) < 29 || string(head[12:16]) != "IHDR" {
		return 0
	}
	w := int64(binary.BigEndian.Uint32(head[16:]))
	h := int64(binary.BigEndian.Uint32(head[20:]))
	depth, colorType, interlace := head[24], head[25], head[28]
	var bpp int64 = 4
	switch {
	case depth == 16:
		bpp = 8
	case colorType == 3:
		bpp = 1
	}
	n := mul(mul(w, h), bpp)
	if interlace == 1 {
		n = mul(n, 2)
	}
	return n + mul(w, 16) // the current and previous rows
}

// webpCost bounds what golang.org/x/image/webp allocates: a lossless
// picture decodes to NRGBA with a working copy for its transforms, a lossy
// one to YCbCr padded to macroblocks, with an alpha plane decoded through
// NRGBA when it has one. 8 bytes a pixel covers each, with the padding.
func webpCost(w, h int) int64 {
	return mul(int64(w+16)*int64(h+16), 10)
}

// jpegCost is what image/jpeg allocates for a JPEG, from its frame header:
// each component's plane padded to whole MCUs; for a progressive JPEG its
// coefficients too (a 256-byte block per 64 samples: 4 bytes a sample);
// and a colour JPEG may be converted to RGBA or CMYK at the end (4 bytes a
// pixel). A frame the decoder does not support (lossless, arithmetic) is
// an error.
func jpegCost(r io.ReaderAt, size int64) (int64, error) {
	f, err := readJPEGFrame(r, size)
	if err != nil {
		return 0, err
	}
	hmax, vmax := 1, 1
	for _, c := range f.comps {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	mxx := int64((f.width + 8*hmax - 1) / (8 * hmax))
	myy := int64((f.height + 8*vmax - 1) / (8 * vmax))
	var planes int64
	for _, c := range f.comps {
		planes += mul(mul(8*int64(c.h), mxx), mul(8*int64(c.v), myy))
	}
	n := planes
	if f.progressive {
		n += mul(planes, 4)
	}
	if len(f.comps) > 1 {
		n += mul(int64(f.width)*int64(f.height), 4)
	}
	return n, nil
}

type jpegFrame struct {
	width, height int
	progressive   bool
	comps         []struct{ h, v int }
}

// readJPEGFrame walks a JPEG's segments up to its frame header (SOF),
// skipping the application segments before it by their lengths.
func readJPEGFrame(r io.ReaderAt, size int64) (*jpegFrame, error) {
	var b [4]byte
	off := int64(2) // after SOI
	for off+4 <= size {
		if _, err := r.ReadAt(b[:], off); err != nil {
			return nil, err
		}
		if b[0] != 0xFF {
			return nil, errors.New("jpeg: no marker")
		}
		if b[1] == 0xFF { // fill byte
			off++
			continue
		}
		marker := b[1]
		n := int64(binary.BigEndian.Uint16(b[2:]))
		if n < 2 {
			return nil, errors.New("jpeg: bad segment length")
		}
		switch {
		case marker == 0xC0 || marker == 0xC1 || marker == 0xC2:
			seg := make([]byte, min(n-2, 6+3*4))
			if _, err := r.ReadAt(seg, off+4); err != nil {
				return nil, err
			}
			if len(seg) < 6 {
				return nil, errors.New("jpeg: short frame")
			}
			f := &jpegFrame{
				height: int(binary.BigEndian.Uint16(seg[1:])), width: int(binary.BigEndian.Uint16(seg[3:])),
				progressive: marker == 0xC2,
			}
			nc := int(seg[5])
			if nc != 1 && nc != 3 && nc != 4 || len(seg) < 6+3*nc {
				return nil, errors.New("jpeg: bad component count")
			}
			for i := range nc {
				hv := seg[6+3*i+1]
				h, v := int(hv>>4), int(hv&0x0F)
				if h < 1 || h > 4 || v < 1 || v > 4 {
					return nil, errors.New("jpeg: bad sampling factor")
				}
				f.comps = append(f.comps, struct{ h, v int }{h, v})
			}
			return f, nil
		case marker >= 0xC3 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC,
			marker == 0xDA, marker == 0xD9:
			return nil, errors.New("jpeg: unsupported frame or scan before frame")
		}
		off += 2 + n
	}
	return nil, io.ErrUnexpectedEOF
}

// Variant is one picture to make of an upload.
type Variant struct {
	MaxSide int  // the longer side at most
	Square  bool // cropped to the centre square first (avatars)
	JPEG    bool // always JPEG; otherwise a PNG stays PNG, the rest become JPEG
}

// Output is one encoded variant: a new file with no metadata (EXIF with
// its GPS position and device, XMP, comments are all gone).
type Output struct {
	Data        []byte
	ContentType string
	Width       int
	Height      int
}

// Process checks the picture in r (size bytes) by Inspect, then, once the
// Limiter admits its cost, decodes it, turns it upright by its EXIF
// orientation and encodes each variant again. Returns Inspect's errors, an
// invalid_argument naming "file" for a picture that does not decode,
// ErrBusy when the Limiter could not admit it within its wait.
func (l *Limiter) Process(ctx context.Context, r io.ReaderAt, size int64, variants ...Variant) ([]Output, error) {
	info, err := Inspect(r, size)
	if err != nil {
		return nil, err
	}
	release, err := l.Acquire(ctx, info.DecodedBytes+size+overhead)
	if err != nil {
		return nil, err
	}
	defer release()
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read picture: %w", err)
	}
	img, err := decode(info.ContentType, data)
	if err != nil {
		return nil, errNotImage
	}
	o := 1
	if info.ContentType == "image/jpeg" {
		o = jpegOrientation(data)
	}
	data = nil
	// The working picture is as large as the largest variant needs: a
	// square one keeps MaxSide on the shorter side.
	b := img.Bounds()
	long, short := max(b.Dx(), b.Dy()), max(1, min(b.Dx(), b.Dy()))
	side := 0
	for _, v := range variants {
		need := v.MaxSide
		if v.Square {
			need = (v.MaxSide*long + short - 1) / short
		}
		side = max(side, need)
	}
	// Scale down first, then turn: turning the full picture would copy it.
	base := orient(shrink(img, side), o)
	img = nil
	out := make([]Output, len(variants))
	for i, v := range variants {
		pic := base
		if v.Square {
			pic = square(pic)
		}
		pic = shrink(pic, v.MaxSide)
		var buf bytes.Buffer
		if info.ContentType == "image/png" && !v.JPEG {
			out[i].ContentType = "image/png"
			err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, pic)
		} else {
			out[i].ContentType = "image/jpeg"
			err = jpeg.Encode(&buf, pic, &jpeg.Options{Quality: jpegQuality})
		}
		if err != nil {
			return nil, fmt.Errorf("encode picture: %w", err)
		}
		b := pic.Bounds()
		out[i].Data, out[i].Width, out[i].Height = buf.Bytes(), b.Dx(), b.Dy()
	}
	return out, nil
}

func decode(kind string, data []byte) (image.Image, error) {
	r := bytes.NewReader(data)
	switch kind {
	case "image/jpeg":
		return jpeg.Decode(r)
	case "image/png":
		return png.Decode(r)
	case "image/webp":
		return webp.Decode(r)
	}
	return nil, errNotImage
}

// square crops img to its centre square.
func square(img image.Image) image.Image {
	b := img.Bounds()
	s := min(b.Dx(), b.Dy())
	r := image.Rect(0, 0, s, s).Add(b.Min).Add(image.Pt((b.Dx()-s)/2, (b.Dy()-s)/2))
	dst := image.NewRGBA(image.Rect(0, 0, s, s))
	draw.Copy(dst, image.Point{}, img, r, draw.Src, nil)
	return dst
}

// Spooled is an upload kept in a temporary file while it is checked, so
// that uploads waiting for the Limiter hold no memory. Close removes it.
type Spooled struct {
	f       *os.File
	size    int64
	removed bool
}

// ErrTooLarge is Spool's error for a body over its bound.
var ErrTooLarge = errors.New("media: upload too large")

// Spool copies r to a temporary file, at most limit bytes. Returns
// ErrTooLarge beyond that (nothing kept), or r's error.
func Spool(r io.Reader, limit int64) (*Spooled, error) {
	f, err := os.CreateTemp("", "ifutian-upload-*")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	// Unlinked at once where the system allows it: the open file goes
	// with the process whatever happens.
	s := &Spooled{f: f, removed: os.Remove(f.Name()) == nil}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	if err == nil && n > limit {
		err = ErrTooLarge
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.size = n
	return s, nil
}

// ReadAt reads the spooled upload.
func (s *Spooled) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

// Size is the upload's length in bytes.
func (s *Spooled) Size() int64 { return s.size }

// Close removes the temporary file.
func (s *Spooled) Close() error {
	err := s.f.Close()
	if !s.removed {
		err = os.Remove(s.f.Name())
	}
	return err
}

// shrink scales img down so that its longer side is at most side.
func shrink(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= side && h <= side {
		return img
	}
	if w >= h {
		h, w = max(1, h*side/w), side
	} else {
		w, h = max(1, w*side/h), side
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// jpegOrientation reads the EXIF orientation (1–8) of a JPEG, 1 if it has
// none or its EXIF is malformed.
func jpegOrientation(data []byte) int {
	i := 2 // after SOI
	for i+4 <= len(data) && data[i] == 0xFF {
		marker := data[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[off:]))
	for k := range count {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 { // Orientation, SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns img upright according to an EXIF orientation.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}
