package tensor

import "math"

// RNG is a seeded random generator whose stream depends only on the seed:
// xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64. Normal
// draws use the Box-Muller transform, uniform floats take the top 53 bits.
// Nothing here depends on math/rand, so streams survive Go upgrades.
type RNG struct {
	s     [4]uint64
	spare float64
	has   bool
}

// NewRNG returns a generator for seed.
func NewRNG(seed uint64) *RNG {
	r := &RNG{}
	r.Seed(seed)
	return r
}

// NewRNGStream returns generator number stream of seed: independent
// streams for, say, each epoch's shuffle or each sample of a dataset, so
// that draw i depends only on (seed, stream).
func NewRNGStream(seed, stream uint64) *RNG {
	r := &RNG{}
	r.Seed(seed)
	sm := splitMix64(stream ^ 0x6a09e667f3bcc909)
	for i := range r.s {
		r.s[i] ^= sm.next()
	}
	if r.s == [4]uint64{} {
		r.s[0] = 1 // xoshiro's one forbidden state
	}
	return r
}

// splitMix64 is SplitMix64 (Steele, Lea, Flood 2014), used to expand seeds.
type splitMix64 uint64

func (s *splitMix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Seed resets the stream.
func (r *RNG) Seed(seed uint64) {
	sm := splitMix64(seed)
	for i := range r.s {
		r.s[i] = sm.next()
	}
	r.has = false
}

// RNGState is a generator's complete state, for checkpoints: restoring it
// continues the stream exactly.
type RNGState struct {
	S        [4]uint64
	Spare    float64 // the cached second Box-Muller value
	HasSpare bool
}

// State returns the generator's state.
func (r *RNG) State() RNGState { return RNGState{S: r.s, Spare: r.spare, HasSpare: r.has} }

// SetState restores a state returned by State.
func (r *RNG) SetState(st RNGState) { r.s, r.spare, r.has = st.S, st.Spare, st.HasSpare }

func rotl(x uint64, k uint) uint64 { return (x << k) | (x >> (64 - k)) }

// Uint64 returns the next 64 random bits.
func (r *RNG) Uint64() uint64 {
	s := &r.s
	result := rotl(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = rotl(s[3], 45)
	return result
}

// Float64 returns a uniform value in [0, 1).
func (r *RNG) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// Intn returns a uniform integer in [0, n), without modulo bias.
func (r *RNG) Intn(n int) int {
	if n <= 0 {
		panic("tensor: Intn of a non-positive bound")
	}
	bound := uint64(n)
	limit := ^uint64(0) - (^uint64(0) % bound)
	for {
		if v := r.Uint64(); v < limit {
			return int(v % bound)
		}
	}
}

// Normal returns a standard normal value (Box-Muller, pairs cached).
func (r *RNG) Normal() float64 {
	if r.has {
		r.has = false
		return r.spare
	}
	u1 := r.Float64()
	for u1 == 0 {
		u1 = r.Float64()
	}
	u2 := r.Float64()
	rad := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	r.spare, r.has = rad*s, true
	return rad * c
}

// Perm returns a uniform permutation of 0..n-1 (Fisher-Yates).
func (r *RNG) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.Intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// RandN returns a tensor of independent N(0, 1) draws.
func RandN[T Float](r *RNG, shape ...int) *Tensor[T] {
	t := New[T](shape...)
	for i := range t.data {
		t.data[i] = T(r.Normal())
	}
	return t
}

// RandU returns a tensor of independent U[lo, hi) draws.
func RandU[T Float](r *RNG, lo, hi float64, shape ...int) *Tensor[T] {
	t := New[T](shape...)
	for i := range t.data {
		t.data[i] = T(lo + (hi-lo)*r.Float64())
	}
	return t
}
