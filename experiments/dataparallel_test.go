package experiments

import (
	"context"
	"strings"
	"testing"
)

// processes is a Communicator that says it has size processes; its sums
// are never reached by the refusals tested here.
type processes struct{ oneProcess }

func (processes) Size() int { return 2 }

// TestTrainDataParallelRefuses: on two processes, the families other than
// the grid operators, and batches smaller than the processes, are refused
// by name before anything is read or written; the grid operators pass.
func TestTrainDataParallelRefuses(t *testing.T) {
	tests := []struct {
		config string
		batch  int // 0: the config's
		want   string
	}{
		{"../examples/lpinn-burgers.toml", 0, `model.kind = "lpinn"`},
		{"../examples/monge-burgers2d.toml", 0, `model.kind = "monge"`},
		{"../examples/gns-water.toml", 0, `model.kind = "gns"`},
		{"../examples/dmm-burgers2d.toml", 0, `model.kind = "dmm"`},
		{"../examples/quickstart.toml", 1, "train.batch = 1 is smaller than the 2 processes"},
		{"../examples/quickstart.toml", 0, ""},
		{"../examples/factformer-kolmogorov.toml", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.config, func(t *testing.T) {
			cfg, err := Load(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			if tc.batch > 0 {
				cfg.Train.Batch = tc.batch
			}
			if tc.want == "" {
				if err := checkDataParallel(cfg, 2); err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			_, err = TrainDataParallel(context.Background(), cfg, nil, processes{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestBatchPart: the processes' parts of a batch are contiguous, in rank
// order, cover it, and differ in size by at most one (some empty only
// when the batch has fewer samples than processes).
func TestBatchPart(t *testing.T) {
	for _, tc := range []struct{ n, size int }{{7, 2}, {8, 2}, {3, 4}, {1, 1}, {20, 3}, {0, 2}} {
		next, smallest, largest := 0, tc.n, 0
		for r := range tc.size {
			lo, hi := batchPart(tc.n, r, tc.size)
			if lo != next || hi < lo {
				t.Fatalf("n %d over %d: rank %d has [%d, %d), expected it to start at %d", tc.n, tc.size, r, lo, hi, next)
			}
			next, smallest, largest = hi, min(smallest, hi-lo), max(largest, hi-lo)
		}
		if next != tc.n || largest-smallest > 1 {
			t.Errorf("n %d over %d: parts cover [0, %d), sizes %d..%d; want [0, %d) and sizes differing by at most 1", tc.n, tc.size, next, smallest, largest, tc.n)
		}
	}
}
