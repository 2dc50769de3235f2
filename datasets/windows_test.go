package datasets

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestGridSourceWindows: with Windows, sample i is window i % W of
// trajectory i / W, every window of the stored frames read in order.
func TestGridSourceWindows(t *testing.T) {
	dir := pdebenchFixtures(t)
	cases := []struct {
		name        string
		task        GridTask
		windows     int
		firstFrames func(w int) (in, out []int) // of window w
	}{
		{"every start", GridTask{Rollout: true, In: 2, Out: 3, Windows: true}, fxT - 4,
			func(w int) ([]int, []int) { return []int{w, w + 1}, []int{w + 2, w + 3, w + 4} }},
		{"from frame 1, every 3rd start, stride 2", GridTask{Rollout: true, In: 1, Out: 2, Start: 1, Stride: 2, Windows: true, WindowEvery: 3}, 2,
			func(w int) ([]int, []int) { return []int{1 + 3*w}, []int{3 + 3*w, 5 + 3*w} }},
		{"one window fits", GridTask{Rollout: true, In: 5, Out: 6, Windows: true}, 1,
			func(w int) ([]int, []int) { return []int{0, 1, 2, 3, 4}, []int{5, 6, 7, 8, 9, 10} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := OpenGridSource(filepath.Join(dir, fxBurgers), c.task)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if src.WindowsPerTrajectory() != c.windows || src.Trajectories() != fxN || src.Samples() != fxN*c.windows {
				t.Fatalf("%d windows per trajectory, %d trajectories, %d samples; want %d, %d, %d",
					src.WindowsPerTrajectory(), src.Trajectories(), src.Samples(), c.windows, fxN, fxN*c.windows)
			}
			idx := []int{0, c.windows - 1, 5*c.windows + c.windows/2, src.Samples() - 1}
			b, err := src.Read(idx)
			if err != nil {
				t.Fatal(err)
			}
			for k, i := range idx {
				in, out := c.firstFrames(i % c.windows)
				e := gridExpect{in: in, out: out, vars: []int{0}, spatial: []int{fxX}, sub: 1}
				wantIn, wantOut := e.fields([]int{i / c.windows}, in), e.fields([]int{i / c.windows}, out)
				perIn, perOut := len(wantIn), len(wantOut)
				for p := range wantIn {
					if got := b.Input.Data()[k*perIn+p]; got != wantIn[p] {
						t.Fatalf("sample %d (trajectory %d, window %d): input value %d is %v, want %v", i, i/c.windows, i%c.windows, p, got, wantIn[p])
					}
				}
				for p := range wantOut {
					if got := b.Target.Data()[k*perOut+p]; got != wantOut[p] {
						t.Fatalf("sample %d: target value %d is %v, want %v", i, p, got, wantOut[p])
					}
				}
			}
			if _, err := src.Read([]int{src.Samples()}); !errors.Is(err, ErrRange) {
				t.Errorf("reading past the last window: %v, want ErrRange", err)
			}
		})
	}
	if _, err := OpenGridSource(filepath.Join(dir, fxBurgers), GridTask{Windows: true, TargetFrame: -1}); !errors.Is(err, ErrArgument) {
		t.Errorf("windows on a map task: %v, want ErrArgument", err)
	}
}
