// Package plotting draws surrogo's figures with gonum/plot, sized and
// lettered for a two-column paper: curves one column wide (3.4 in, 9 pt
// text), field panels two columns wide (7 in). Every figure is written in
// each requested format (png, svg, pdf) atomically: NAME.ext appears
// only complete.
//
// The package takes plain slices; reading run outputs is the caller's job
// (experiments.Plot).
package plotting
