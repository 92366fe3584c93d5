package manifest

import (
	"image"
	"image/color"
	"image/draw"
	"math"
)

// Icon sizes required by the Teams app manifest.
const (
	ColorIconSize   = 192 // icons.color: full colour, 192×192
	OutlineIconSize = 32  // icons.outline: white on transparent, 32×32
)

// Colours used by the icons. AccentColor is also the manifest's accentColor.
var (
	// AccentColor is the deep indigo background of the colour icon (#27306B).
	AccentColor = color.NRGBA{R: 0x27, G: 0x30, B: 0x6B, A: 0xFF}
	// markerColor is the warm "threshold post" in the colour icon (#FF7A5C).
	markerColor = color.NRGBA{R: 0xFF, G: 0x7A, B: 0x5C, A: 0xFF}
	white       = color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
)

// capsule is an axis-aligned rectangle with rounded corners of radius r,
// in pixel coordinates (x0,y0)-(x1,y1), edges on pixel boundaries.
type capsule struct{ x0, y0, x1, y1, r float64 }

// dist is the signed distance from (px,py) to the shape's edge (<0 inside).
func (c capsule) dist(px, py float64) float64 {
	cx, cy := (c.x0+c.x1)/2, (c.y0+c.y1)/2
	hx, hy := (c.x1-c.x0)/2-c.r, (c.y1-c.y0)/2-c.r
	qx, qy := math.Abs(px-cx)-hx, math.Abs(py-cy)-hy
	out := math.Hypot(math.Max(qx, 0), math.Max(qy, 0))
	in := math.Min(math.Max(qx, qy), 0)
	return out + in - c.r
}

// coverage rasterises the union of shapes into an alpha mask of size n×n,
// anti-aliased with 8×8 supersampling per pixel.
func coverage(n int, shapes ...capsule) *image.Alpha {
	const ss = 8
	m := image.NewAlpha(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			hits := 0
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					px := float64(x) + (float64(sx)+0.5)/ss
					py := float64(y) + (float64(sy)+0.5)/ss
					for _, s := range shapes {
						if s.dist(px, py) <= 0 {
							hits++
							break
						}
					}
				}
			}
			m.SetAlpha(x, y, color.Alpha{A: uint8((hits*255 + ss*ss/2) / (ss * ss))})
		}
	}
	return m
}

// The mark: a bold horizontal line (the line one should not cross) broken
// by a gap, with an upright post standing in the gap (the threshold).
//
// Colour icon geometry: full-bleed 192×192, mark inside the 120×120 safe
// area (36..156) that Teams keeps visible after masking.
var (
	colorLine = []capsule{
		{x0: 36, y0: 100, x1: 78, y1: 124, r: 12},   // left part of the line
		{x0: 114, y0: 100, x1: 156, y1: 124, r: 12}, // right part of the line
	}
	colorPost = capsule{x0: 87, y0: 50, x1: 105, y1: 142, r: 9}
)

// Outline icon geometry: same motif on a 32×32 grid, snapped to pixels.
var outlineMark = []capsule{
	{x0: 1, y0: 18, x1: 11, y1: 22, r: 2},  // left part of the line
	{x0: 21, y0: 18, x1: 31, y1: 22, r: 2}, // right part of the line
	{x0: 14, y0: 5, x1: 18, y1: 27, r: 2},  // the post
}

// ColorIcon draws the 192×192 full-colour app icon: a white line with a
// gap and a warm upright post, on a full-bleed, opaque accent background.
func ColorIcon() image.Image {
	n := ColorIconSize
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	draw.Draw(img, img.Bounds(), image.NewUniform(AccentColor), image.Point{}, draw.Src)
	draw.DrawMask(img, img.Bounds(), image.NewUniform(white), image.Point{},
		coverage(n, colorLine...), image.Point{}, draw.Over)
	draw.DrawMask(img, img.Bounds(), image.NewUniform(markerColor), image.Point{},
		coverage(n, colorPost), image.Point{}, draw.Over)
	return img
}

// OutlineIcon draws the 32×32 outline icon: the same mark in pure white on
// a transparent background. Every pixel is white (255,255,255) with an alpha
// between 0 (fully transparent) and 255, as Teams requires.
func OutlineIcon() image.Image {
	n := OutlineIconSize
	img := image.NewNRGBA(image.Rect(0, 0, n, n)) // all transparent
	draw.DrawMask(img, img.Bounds(), image.NewUniform(white), image.Point{},
		coverage(n, outlineMark...), image.Point{}, draw.Over)
	return img
}
