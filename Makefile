# surrogo — the two commands: `make demo` and `make test`.

# Go from PATH, else the standard install location.
GO      ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
GOFMT   ?= $(dir $(GO))gofmt
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/surrogo/surrogo/internal/buildinfo.version=$(VERSION)
BIN     := bin/simulate
DEMO    := examples/quickstart.toml

.PHONY: all setup setup-test build demo test vet fmt-check fuzz bench bench-micro golden docs clean

all: build

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

# build: with OpenMPI when pkg-config finds it (-tags mpi: `mpirun -np P
# bin/simulate train CONFIG.toml` trains data-parallel); else without, and
# such a binary refuses to run as several MPI ranks.
build: setup
	$(GO) build -tags "$$(pkg-config --exists ompi 2>/dev/null && echo mpi)" -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/simulate

# demo: install, build, and run the quickstart end to end (Burgers ->
# FNO-1D -> evaluation against the solver -> figures in runs/quickstart/).
# Rerunning skips the stages already done.
demo: build
	$(BIN) run $(DEMO)

# test: install what the tests need, then vet, check formatting, test.
# SURROGO_REQUIRE_H5PY turns the h5py interop tests' skip into a failure,
# SURROGO_REQUIRE_SLURM that of the tests that run jobs on a local
# one-node SLURM cluster (scripts/slurm-local.sh, started by the tests).
test: setup-test vet fmt-check
	SURROGO_REQUIRE_H5PY=1 SURROGO_REQUIRE_SLURM=1 $(GO) test -count=1 -timeout 10m ./...
	# the pure-Go GEMM fallback (no OpenBLAS) stays tested too
	$(GO) test -count=1 -tags purego ./tensor/ ./autograd/
	# buffer recycling, poisoned: fresh and recycled buffers filled with NaN,
	# so a kernel that reads what it did not write, or code that reads a
	# recycled tensor, fails the engine's and the operators' tests
	SURROGO_POISON=1 $(GO) test -count=1 ./tensor/ ./autograd/ ./nn/ ./operators/... ./pinn/
	SURROGO_POISON=1 $(GO) test -count=1 -short ./mesh/...
	# data-parallel training over MPI: the allreduce and a tiny FNO on two
	# ranks (mpirun --oversubscribe -np 2, and srun --mpi=pmix in a job of
	# the local SLURM cluster) against one process
	@pkg-config --exists ompi || { echo "make test: OpenMPI not found (openmpi-bin, libopenmpi-dev): run scripts/setup.sh test"; exit 1; }
	SURROGO_REQUIRE_SLURM=1 $(GO) test -count=1 -tags mpi -run 'TwoRanks|MPI' ./internal/mpi/ ./cmd/simulate/
	# the config fuzz targets, briefly (go test above ran every target's saved
	# corpus; the HDF5 targets read each input in a child process, too slow
	# to fuzz within make test: make fuzz runs them)
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME) FUZZ_PACKAGES=experiments

# fuzz: run every fuzz target (testing.F) for FUZZTIME each. New crashers
# land in the package's testdata/fuzz/ and are replayed by every go test:
# commit them with the fix. A run that the fuzzing engine itself ends with
# "context deadline exceeded" and no failing input (its coordinator, when
# -fuzztime expires while a worker minimizes a new interesting input) is
# run once more; a failing input always fails.
FUZZTIME      ?= 5m
TEST_FUZZTIME ?= 8s
FUZZ_PACKAGES ?= .
FUZZ_TARGETS   = $(shell grep -rl --include='*_test.go' '^func Fuzz' $(FUZZ_PACKAGES) | xargs -r grep -H -o '^func Fuzz[A-Za-z0-9_]*' | sed 's|^\./||; s|/[^/]*_test.go:func | |' | sort -u | tr ' ' ':')
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in ./$$pkg for $(FUZZTIME)"; \
		run() { $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) ./$$pkg/ >/tmp/fuzz-$$name.log 2>&1; }; \
		run || { grep -q 'context deadline exceeded' /tmp/fuzz-$$name.log && ! grep -q 'Failing input written' /tmp/fuzz-$$name.log && \
			cp /tmp/fuzz-$$name.log /tmp/fuzz-$$name.log.1 && \
			echo "fuzz $$name: the engine timed out minimizing (no failing input; log in /tmp/fuzz-$$name.log.1); once more" && run; } || { tail -40 /tmp/fuzz-$$name.log; exit 1; }; \
	done

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$($(GOFMT) -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

# bench: the performance issue's workloads side by side with PyTorch
# (needs python3-torch): medians, ratios and peak memory as a Markdown table.
bench:
	@scripts/setup.sh bench
	bench/run.sh 5 2 5

# bench-micro: the engine's micro-benchmarks (not part of make test).
bench-micro: setup
	$(GO) test -run '^$$' -bench . -benchtime 5x ./tensor ./autograd ./nn

# golden: regenerate testdata/torch_reference.h5 and torch_conv2d.h5 from
# PyTorch (needs Debian's python3-torch; the files are committed so CI does
# not).
golden:
	/usr/bin/python3 scripts/torch_reference.py testdata/torch_reference.h5
	/usr/bin/python3 scripts/torch_conv2d_reference.py testdata/torch_conv2d.h5

# docs: regenerate docs/CONFIG.md from the config schema (a test checks it).
docs:
	$(GO) run ./cmd/simulate config -schema > docs/CONFIG.md

clean:
	rm -rf bin runs
