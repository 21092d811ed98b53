package main

// The plots of a compare run for the README: throughput and p99 latency
// per workload, one bar per server. compare -csv writes the figures and
// plot draws them as PNG, with the standard library's image packages and
// x/image's fixed 7x13 font (no plotting dependency).

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// csvHeader is the first line compare -csv writes; plot requires it.
var csvHeader = []string{"target", "workload", "req_per_s", "items_per_s", "p50_ms", "p99_ms", "server_us_per_req"}

// WriteResultsCSV writes one row per result, after csvHeader.
func WriteResultsCSV(w io.Writer, results []*Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, r := range results {
		srv := ""
		if d := r.ServerCPUPerReq(); d > 0 {
			srv = strconv.FormatFloat(float64(d)/1e3, 'f', 1, 64)
		}
		if err := cw.Write([]string{r.Target, r.Workload,
			strconv.FormatFloat(r.ReqPerSec(), 'f', 0, 64), strconv.FormatFloat(r.ItemsPerSec(), 'f', 0, 64),
			strconv.FormatFloat(float64(r.Latency.Percentile(50))/1e6, 'f', 3, 64),
			strconv.FormatFloat(float64(r.Latency.Percentile(99))/1e6, 'f', 3, 64), srv}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// plotData is a compare run read back: servers and workloads in the order
// they first appear, and each figure by server and workload.
type plotData struct {
	servers, workloads []string
	reqPerSec, p99     map[[2]string]float64
}

// readResultsCSV reads what WriteResultsCSV wrote.
func readResultsCSV(r io.Reader) (*plotData, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		return nil, errors.New("not a dynago-bench compare -csv file (header " + strings.Join(csvHeader, ",") + ")")
	}
	d := &plotData{reqPerSec: map[[2]string]float64{}, p99: map[[2]string]float64{}}
	seen := map[string]bool{}
	for i, row := range rows[1:] {
		if len(row) != len(csvHeader) {
			return nil, fmt.Errorf("line %d: %d fields, want %d", i+2, len(row), len(csvHeader))
		}
		rate, err1 := strconv.ParseFloat(row[2], 64)
		p99, err2 := strconv.ParseFloat(row[5], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+2, err)
		}
		if !seen["s/"+row[0]] {
			seen["s/"+row[0]] = true
			d.servers = append(d.servers, row[0])
		}
		if !seen["w/"+row[1]] {
			seen["w/"+row[1]] = true
			d.workloads = append(d.workloads, row[1])
		}
		k := [2]string{row[0], row[1]}
		d.reqPerSec[k], d.p99[k] = rate, p99
	}
	if len(d.servers) == 0 {
		return nil, errors.New("no results")
	}
	return d, nil
}

// cmdPlot draws a compare run's throughput and p99 per workload as PNG.
func cmdPlot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "CSV written by compare -csv")
	outRate := fs.String("throughput", "bench/throughput.png", "PNG of requests per second")
	outP99 := fs.String("p99", "bench/p99.png", "PNG of p99 latency")
	title := fs.String("title", "", "line under each chart's title (e.g. the machine and the run)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("give -in results.csv (compare -csv)")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	d, err := readResultsCSV(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	for _, c := range []struct {
		path, title, unit string
		v                 map[[2]string]float64
		label             func(float64) string
		log               bool
	}{
		{*outRate, "Throughput per workload (16 clients)", "requests/s", d.reqPerSec, func(v float64) string { return fmt.Sprintf("%.0f", v) }, false},
		// Latencies span 1 ms to 1 s between workloads: a log axis.
		{*outP99, "p99 latency per workload (16 clients), log scale", "ms", d.p99, func(v float64) string { return fmt.Sprintf("%.1f", v) }, true},
	} {
		img := barChart(c.title, *title, c.unit, d.workloads, d.servers, c.v, c.label, c.log)
		if err := writePNG(c.path, img); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", c.path)
	}
	return nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// seriesColors are the servers' bar colours, in order (Tableau 10).
var seriesColors = []color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}, {0xe1, 0x57, 0x59, 0xff}, {0x76, 0xb7, 0xb2, 0xff},
	{0x59, 0xa1, 0x4f, 0xff}, {0xed, 0xc9, 0x48, 0xff}, {0xb0, 0x7a, 0xa1, 0xff}, {0xff, 0x9d, 0xa7, 0xff},
}

// barChart draws one group of bars per group (workload), one bar per
// series (server) that has a value there, on a linear axis from zero (or
// a logarithmic one with a tick at each power of ten), with each bar's
// value above it and a legend of the series.
func barChart(title, subtitle, unit string, groups, series []string, v map[[2]string]float64, label func(float64) string, logAxis bool) *image.RGBA {
	const (
		barW, barGap, groupGap = 22, 2, 26
		left, right, top       = 70, 20, 60
		plotH, bottom          = 320, 70
	)
	type bar struct {
		x int
		s int
		v float64
	}
	var bars []bar
	var groupX []int
	x := left + groupGap/2
	maxV, minV := 0.0, math.Inf(1)
	for _, g := range groups {
		start := x
		for si, s := range series {
			val, ok := v[[2]string{s, g}]
			if !ok {
				continue
			}
			bars = append(bars, bar{x, si, val})
			maxV = math.Max(maxV, val)
			if val > 0 {
				minV = math.Min(minV, val)
			}
			x += barW + barGap
		}
		groupX = append(groupX, (start+x-barGap)/2)
		x += groupGap
	}
	width := max(x+right, left+right+200)
	legendRows := (len(series) + 2) / 3
	height := top + plotH + bottom + legendRows*18
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	black := color.RGBA{0x22, 0x22, 0x22, 0xff}
	grey := color.RGBA{0xdd, 0xdd, 0xdd, 0xff}

	text(img, left, 20, title, black)
	text(img, left, 38, subtitle, color.RGBA{0x66, 0x66, 0x66, 0xff})
	y0 := top + plotH
	var yOf func(float64) int
	if logAxis && maxV > 0 {
		lo := math.Floor(math.Log10(minV))
		hi := math.Max(math.Ceil(math.Log10(maxV)), lo+1)
		yOf = func(val float64) int {
			if val <= 0 {
				return y0
			}
			return y0 - int((math.Log10(val)-lo)/(hi-lo)*plotH+0.5)
		}
		for e := lo; e <= hi; e++ {
			t := math.Pow(10, e)
			y := yOf(t)
			fill(img, image.Rect(left, y, width-right, y+1), grey)
			s := strconv.FormatFloat(t, 'f', -1, 64)
			text(img, left-8-7*len(s), y+4, s, black)
		}
	} else {
		step := niceStep(maxV / 5)
		axisMax := math.Ceil(maxV/step) * step
		if axisMax == 0 {
			axisMax = 1
		}
		yOf = func(val float64) int { return y0 - int(val/axisMax*plotH+0.5) }
		for t := 0.0; t <= axisMax+step/2; t += step {
			y := yOf(t)
			fill(img, image.Rect(left, y, width-right, y+1), grey)
			s := label(t)
			if step >= 1 {
				s = fmt.Sprintf("%.0f", t)
			}
			text(img, left-8-7*len(s), y+4, s, black)
		}
	}
	text(img, 4, top-8, unit, black)
	for _, b := range bars {
		fill(img, image.Rect(b.x, yOf(b.v), b.x+barW, y0), seriesColors[b.s%len(seriesColors)])
	}
	// Values above the bars, turned into short labels so they fit.
	for _, b := range bars {
		s := shortLabel(b.v, label)
		text(img, b.x+barW/2-7*len(s)/2, yOf(b.v)-4, s, black)
	}
	fill(img, image.Rect(left, y0, width-right, y0+1), black)
	for i, g := range groups {
		text(img, groupX[i]-7*len(g)/2, y0+18, g, black)
	}
	for i, s := range series {
		lx := left + (i%3)*((width-left-right)/3)
		ly := y0 + 40 + (i/3)*18
		fill(img, image.Rect(lx, ly-10, lx+12, ly+2), seriesColors[i%len(seriesColors)])
		text(img, lx+18, ly, s, black)
	}
	return img
}

// shortLabel prints large values in thousands ("37.5k") so that a label
// is about as wide as its bar.
func shortLabel(v float64, label func(float64) string) string {
	if v >= 10000 {
		return fmt.Sprintf("%.0fk", v/1000)
	}
	if v >= 1000 {
		return fmt.Sprintf("%.1fk", v/1000)
	}
	return label(v)
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
}

// text draws s with its baseline at y.
func text(img *image.RGBA, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: &image.Uniform{c}, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// writeResultsFile writes results to path as WriteResultsCSV does.
func writeResultsFile(path string, results []*Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteResultsCSV(f, results); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
