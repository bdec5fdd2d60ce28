package requests

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/futian/ifutian/internal/apperr"
)

// Bounds of an uploaded photo. The pixel count is checked from the header
// before anything is decoded, so a small file claiming a huge image (a
// decompression bomb) is refused without allocating it.
const (
	maxPixels    = 40_000_000
	maxSide      = 12_000
	storedSide   = 2048 // the longer side of the stored photo at most
	jpegQuality  = 85
	minImageSize = 16 // bytes: anything shorter is no image
)

var errNotImage = apperr.Field("file", "须为 JPEG、PNG 或 WebP 图片")

// sanitizeImage checks an uploaded photo by its content (not its name),
// decodes it, turns it upright by its EXIF orientation, scales it down to
// storedSide and encodes it again: JPEG and WebP as JPEG, PNG as PNG. The
// new file carries no metadata: EXIF (GPS position, device), XMP and
// comments are gone. It returns an invalid_argument error naming "file"
// for anything else.
func sanitizeImage(data []byte) (out []byte, contentType string, w, h int, err error) {
	if len(data) < minImageSize {
		return nil, "", 0, 0, errNotImage
	}
	kind := http.DetectContentType(data)
	var decode func([]byte) (image.Image, error)
	var decodeConfig func([]byte) (image.Config, error)
	switch kind {
	case "image/jpeg":
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
	case "image/png":
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
	case "image/webp":
		decode = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
		decodeConfig = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
	default:
		return nil, "", 0, 0, errNotImage
	}
	cfg, err := decodeConfig(data)
	if err != nil {
		return nil, "", 0, 0, errNotImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxSide || cfg.Height > maxSide || cfg.Width*cfg.Height > maxPixels {
		return nil, "", 0, 0, apperr.Field("file", "图片尺寸过大（至多 4000 万像素）")
	}
	img, err := decode(data)
	if err != nil {
		return nil, "", 0, 0, errNotImage
	}
	if kind == "image/jpeg" {
		img = orient(img, jpegOrientation(data))
	}
	img = shrink(img, storedSide)
	var buf bytes.Buffer
	if kind == "image/png" {
		contentType = "image/png"
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	} else {
		contentType = "image/jpeg"
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	}
	if err != nil {
		return nil, "", 0, 0, err
	}
	b := img.Bounds()
	return buf.Bytes(), contentType, b.Dx(), b.Dy(), nil
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
