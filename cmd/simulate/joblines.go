package main

import (
	"bytes"
	"io"
	"os"
	"sync"
)

// jobLabel names the SLURM job (and array task) this process runs in,
// as "job=ID" or "job=ARRAYID_TASK", from SLURM's environment; "" outside
// a SLURM job.
func jobLabel(getenv func(string) string) string {
	if array, task := getenv("SLURM_ARRAY_JOB_ID"), getenv("SLURM_ARRAY_TASK_ID"); array != "" && task != "" {
		return "job=" + array + "_" + task
	}
	if id := getenv("SLURM_JOB_ID"); id != "" {
		return "job=" + id
	}
	return ""
}

// labelledLines writes every line with a label in front, so that the
// lines of a batch job's log say which job and task wrote them. A last
// line without a newline is written by Flush.
type labelledLines struct {
	mu      sync.Mutex
	w       io.Writer
	label   []byte
	pending []byte
}

// withJobLabel returns f itself outside a SLURM job (so that a terminal
// is still seen as one), else f with every line labelled by jobLabel;
// flush writes a last unterminated line.
func withJobLabel(f *os.File) (w io.Writer, flush func()) {
	label := jobLabel(os.Getenv)
	if label == "" {
		return f, func() {}
	}
	l := &labelledLines{w: f, label: []byte(label)}
	return l, l.Flush
}

func (l *labelledLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, p...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := l.writeLine(l.pending[:i+1]); err != nil {
			return len(p), err
		}
		l.pending = l.pending[i+1:]
	}
}

func (l *labelledLines) writeLine(line []byte) error {
	out := make([]byte, 0, len(l.label)+1+len(line))
	out = append(append(append(out, l.label...), ' '), line...)
	_, err := l.w.Write(out)
	return err
}

// Flush writes a last unterminated line.
func (l *labelledLines) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) > 0 {
		l.writeLine(append(l.pending, '\n'))
		l.pending = nil
	}
}
