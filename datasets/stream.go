package datasets

import (
	"context"
	"fmt"
	"io"
)

// Stream reads a list of batches from a source in order on its own
// goroutine, ahead batches before the consumer: the file is read while the
// previous batch trains, and at most ahead + 1 batches are in memory. A
// stream has one consumer: Next and Close are called from one goroutine.
type Stream struct {
	ch     chan streamed
	cancel context.CancelFunc
	done   chan struct{}
	err    error // the first error, returned by every later Next
	// stop is why the reader ended: io.EOF after the last batch, a read's
	// error, or the stream's context error when it stopped early. It is
	// written before ch is closed and read after.
	stop error
}

type streamed struct {
	batch *Batch
	err   error
}

// NewStream starts reading batches (lists of sample indices) from src.
// ahead below 1 is taken as 1. Close must be called when the consumer
// stops early; a stream read to its end closes itself.
func NewStream(ctx context.Context, src Source, batches [][]int, ahead int) *Stream {
	ctx, cancel := context.WithCancel(ctx)
	s := &Stream{ch: make(chan streamed, max(ahead, 1)-1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.ch)
		for _, idx := range batches {
			if ctx.Err() != nil {
				s.stop = ctx.Err()
				return
			}
			b, err := src.Read(idx)
			select {
			case s.ch <- streamed{b, err}:
			case <-ctx.Done():
				s.stop = ctx.Err()
				return
			}
			if err != nil {
				s.stop = err
				return
			}
		}
		s.stop = io.EOF
	}()
	return s
}

// Next returns the next batch, io.EOF after the last, or the read's
// error (then every later call returns it too). A cancelled context ends
// the stream with its error.
func (s *Stream) Next(ctx context.Context) (*Batch, error) {
	if s.err != nil {
		return nil, s.err
	}
	if err := ctx.Err(); err != nil {
		// Checked first: select would pick at random between a done
		// context and a ready batch or a closed channel.
		s.err = err
		s.Close()
		return nil, err
	}
	select {
	case r, ok := <-s.ch:
		switch {
		case !ok:
			s.err = s.stop
		case r.err != nil:
			s.err = r.err
		default:
			return r.batch, nil
		}
	case <-ctx.Done():
		s.err = ctx.Err()
	}
	s.Close()
	return nil, s.err
}

// Close stops the reading goroutine and waits for it, so the source is
// free for other reads once Close returns. A Next after Close returns why
// the reader stopped: context.Canceled when Close cut it short.
func (s *Stream) Close() {
	s.cancel()
	for range s.ch {
	}
	<-s.done
}

// ScanSamples reads the samples idx in order, batch at a time (the next
// batch read while fn works on the current one), and hands each batch to
// fn. It stops at the first error, from the source or from fn.
func ScanSamples(ctx context.Context, src Source, idx []int, batch int, fn func(*Batch) error) error {
	if batch < 1 {
		return fmt.Errorf("datasets: scan in batches of %d samples, expected at least 1: %w", batch, ErrArgument)
	}
	var batches [][]int
	for lo := 0; lo < len(idx); lo += batch {
		batches = append(batches, idx[lo:min(lo+batch, len(idx))])
	}
	s := NewStream(ctx, src, batches, 1)
	defer s.Close()
	for {
		b, err := s.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
	}
}
