package datasets

import (
	"strings"
	"testing"
)

// assertMentions fails unless err's message contains every part.
func assertMentions(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error mentioning %q, got nil", parts)
	}
	msg := err.Error()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not mention %q", msg, p)
		}
	}
}

// mustCreate starts a new file or fails the test.
func mustCreate(t *testing.T, path string) *File {
	t.Helper()
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// reopen closes f (committing it) and opens it again read-only; the test's
// cleanup closes it.
func reopen(t *testing.T, f *File) *File {
	t.Helper()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// axis returns n increasing coordinates in [0, 1).
func axis(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i) / float32(n)
	}
	return v
}
