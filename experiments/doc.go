// Package experiments turns a TOML study description into runs: the
// configuration schema with strict decoding and validation (every error
// names the file, line and key), the explicit registry of solvers
// (registry.go: name -> parameters and sample generator), and the stages of
// the pipeline. This version has the generate stage: Generate runs a solver
// over seeded samples in parallel and streams them to an HDF5 file in the
// PDEBench-compatible layout of docs/DATA.md, atomically, optionally as one
// of n shards whose concatenation equals the unsharded file bit for bit.
package experiments
