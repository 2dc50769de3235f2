// Package experiments turns a TOML study description into runs: the
// configuration schema with strict decoding and validation (every error
// names the file, line and key; Schema documents every key; -set
// overrides go through the same decoder), two explicit tables — the
// solvers (registry.go: name -> parameters and sample generator) and the
// model families (families.go: name -> keys, validation, constructor,
// train and evaluate stages) — and the stages of the pipeline:
//
//	Generate  a solver over seeded samples, in parallel, streamed to HDF5 in
//	          the PDEBench-compatible layout of docs/DATA.md (grid fields)
//	          or its particle layout (mpm: one trajectory per sample),
//	          atomically, optionally as one of n shards; resumes an
//	          interrupted file.
//	          Data from an existing file ([data] file, external.go) is only
//	          checked.
//	Train     a grid operator (fno, t1, factformer) on input/target pairs
//	          read a batch at a time from the file (griddata.go: a
//	          datasets.GridSource, one streaming pass for the normalizers,
//	          then the epoch's batches with one prefetched), or a
//	          physics-informed network (pinn, lpinn) on the equation; all
//	          through nn.Trainer: checkpoints, CSV log, resume
//	Evaluate  metrics.json and predictions.h5 against the data and the
//	          solver; a long rollout (chaos.go) is judged by the relative
//	          L2 per step against persistence, the log-spectral distance
//	          sqrt(mean_k (ln E_pred(k) - ln E_true(k))^2), the Wasserstein-1
//	          distance of the value distributions over the truth's standard
//	          deviation, and the energy (1/2) sum_k |f_k|^2/|k|^2 and mean
//	          square (1/2) <f^2> per step
//	Plot      the figures of a run directory from its saved outputs (and of
//	          particle data: frames coloured by speed, an animated GIF)
//	Run       all of them into a run directory with config.toml and run.json,
//	          skipping finished stages (stage hashes) and refusing a changed
//	          config (changed [eval] keys alone evaluate again)
//	Sweep     a study over every combination of some keys' values (PlanSweep:
//	          the cartesian product, first axis slowest), each point a Run
//	          into <run_dir>/sweep/<key=value,...>, every point validated
//	          before any runs, points of equal data settings sharing one
//	          data file, sweep.json listing axes and points for compare and
//	          job arrays (task i runs point i: Sweep.RunPoint); PlotSweep
//	          draws the test error against a swept key
package experiments
