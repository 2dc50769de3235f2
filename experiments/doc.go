// Package experiments turns a TOML study description into runs: the
// configuration schema with strict decoding and validation (every error
// names the file, line and key; Schema documents every key; -set
// overrides go through the same decoder), the explicit registry of solvers
// (registry.go: name -> parameters and sample generator), and the stages
// of the pipeline:
//
//	Generate  a solver over seeded samples, in parallel, streamed to HDF5 in
//	          the PDEBench-compatible layout of docs/DATA.md, atomically,
//	          optionally as one of n shards; resumes an interrupted file
//	Train     an operator (fno, t1) on the samples, or a physics-informed
//	          network (pinn, lpinn) on the equation; checkpoints, CSV log, resume
//	Evaluate  metrics.json and predictions.h5 against the data and the solver
//	Plot      the figures of a run directory from its saved outputs
//	Run       all of them into a run directory with config.toml and run.json,
//	          skipping finished stages (stage hashes) and refusing a changed config
package experiments
