// Package plotting draws surrogo's figures with gonum/plot, sized and
// lettered for a two-column paper: curves one column wide (3.4 in, 9 pt
// text), field panels and particle frames two columns wide (7 in). Every
// figure is written in each requested format (png, svg, pdf) atomically
// (NAME.ext.tmp, fsync, rename): NAME.ext appears only complete.
//
// Particle trajectories also animate: WriteParticleGIF rasterises each
// frame itself (filled discs on a paletted image, standard library
// image/gif), for talks and quick looks, where a vector format would hold
// every particle of every frame.
//
// The package takes plain slices; reading run outputs is the caller's job
// (experiments.Plot).
package plotting
