package monge

import "math"

// grid holds the computational n x n node grid of [0, 1]^2 (node i*n + j
// at xi = (i h, j h), h = 1/(n-1)) and the cosine transform that inverts
// its Neumann Laplacian.
type grid struct {
	n   int
	h   float64
	w   []float64 // 2-D trapezoid weights, n*n, summing to 1
	fwd []float64 // n x n: coefficients a_k of v_i = sum_k a_k cos(pi k i/(n-1))
	bwd []float64 // n x n: bwd[i*n+k] = cos(pi k i/(n-1))
	eig []float64 // eigenvalues of the 1-D Neumann second difference
}

// newGrid builds the grid of n >= 3 nodes a side.
func newGrid(n int) *grid {
	g := &grid{n: n, h: 1 / float64(n-1)}
	w1 := trapezoidWeights(n)
	g.w = make([]float64, n*n)
	for i := range n {
		for j := range n {
			g.w[i*n+j] = w1[i] * w1[j]
		}
	}
	g.cosines()
	return g
}

// cosines fills the DCT-I pair and the eigenvalues. The second difference
// with mirror ghosts (v_{-1} = v_1, v_n = v_{n-2}) has the eigenvectors
// cos(pi k i/N), N = n-1, with eigenvalues -(4/h^2) sin^2(pi k/(2N)); the
// forward transform is the DCT-I, a_k = (c_k/N) sum_i” v_i cos(pi k i/N),
// ” halving i = 0 and N, c_0 = c_N = 1, c_k = 2 otherwise.
func (g *grid) cosines() {
	n, N := g.n, float64(g.n-1)
	g.fwd, g.bwd, g.eig = make([]float64, n*n), make([]float64, n*n), make([]float64, n)
	for k := range n {
		s := math.Sin(math.Pi * float64(k) / (2 * N))
		g.eig[k] = -4 * s * s / (g.h * g.h)
		for i := range n {
			c := math.Cos(math.Pi * float64(k*i) / N)
			g.bwd[i*n+k] = c
			wt := 2 / N
			if k == 0 || k == n-1 {
				wt /= 2
			}
			if i == 0 || i == n-1 {
				wt /= 2
			}
			g.fwd[k*n+i] = wt * c
		}
	}
}

// apply2 returns M v M^T for the n x n matrices M and v (row-major): M
// applied along both axes.
func (g *grid) apply2(m, v []float64) []float64 {
	n := g.n
	t := make([]float64, n*n)
	for k := range n {
		for i := range n {
			if c := m[k*n+i]; c != 0 {
				for j := range n {
					t[k*n+j] += c * v[i*n+j]
				}
			}
		}
	}
	out := make([]float64, n*n)
	for k := range n {
		for l := range n {
			s := 0.0
			for j := range n {
				s += m[l*n+j] * t[k*n+j]
			}
			out[k*n+l] = s
		}
	}
	return out
}

// solveLaplace returns the zero-mean (in the k = 0 cosine mode) solution
// of L d = r, L the 5-point Laplacian with mirror ghosts (d_n = 0 on every
// side); r's mean (its trapezoid-weighted mean) is dropped, the
// compatibility condition of the Neumann problem.
func (g *grid) solveLaplace(r []float64) []float64 {
	a := g.apply2(g.fwd, r)
	n := g.n
	for k := range n {
		for l := range n {
			if k == 0 && l == 0 {
				a[0] = 0
				continue
			}
			a[k*n+l] /= g.eig[k] + g.eig[l]
		}
	}
	return g.apply2(g.bwd, a)
}

// mirror maps an index of the ghost-extended line onto [0, n).
func (g *grid) mirror(i int) int {
	switch {
	case i < 0:
		return -i
	case i > g.n-1:
		return 2*(g.n-1) - i
	}
	return i
}

// at returns phi at node (i, j), ghost indices mirrored.
func (g *grid) at(phi []float64, i, j int) float64 {
	return phi[g.mirror(i)*g.n+g.mirror(j)]
}

// physical returns the moved nodes x = xi + grad phi ([n*n, 2]) with
// central differences; the mirror ghosts make the normal component exactly
// 0 on the sides, so boundary nodes stay on their sides and corners fixed.
// Points are clamped into [0, 1]^2 (only a tangled iterate leaves it).
func (g *grid) physical(phi []float64) []float64 {
	n, h := g.n, g.h
	x := make([]float64, 2*n*n)
	for i := range n {
		for j := range n {
			gx := (g.at(phi, i+1, j) - g.at(phi, i-1, j)) / (2 * h)
			gy := (g.at(phi, i, j+1) - g.at(phi, i, j-1)) / (2 * h)
			x[2*(i*n+j)] = clamp01(float64(i)/float64(n-1) + gx)
			x[2*(i*n+j)+1] = clamp01(float64(j)/float64(n-1) + gy)
		}
	}
	return x
}

// clamp01 clamps v into [0, 1].
func clamp01(v float64) float64 { return math.Min(math.Max(v, 0), 1) }

// det returns det(I + H(phi)) at every node: compact second differences
// for phi_xx and phi_yy, the 4-point central cross difference for phi_xy,
// all with mirror ghosts (so phi_xy = 0 on the sides).
func (g *grid) det(phi []float64) []float64 {
	n, h2 := g.n, g.h*g.h
	d := make([]float64, n*n)
	for i := range n {
		for j := range n {
			c := phi[i*n+j]
			xx := (g.at(phi, i+1, j) - 2*c + g.at(phi, i-1, j)) / h2
			yy := (g.at(phi, i, j+1) - 2*c + g.at(phi, i, j-1)) / h2
			xy := (g.at(phi, i+1, j+1) - g.at(phi, i+1, j-1) - g.at(phi, i-1, j+1) + g.at(phi, i-1, j-1)) / (4 * h2)
			d[i*n+j] = (1+xx)*(1+yy) - xy*xy
		}
	}
	return d
}

// mean returns the trapezoid-weighted mean of v over the grid.
func (g *grid) mean(v []float64) float64 {
	s := 0.0
	for k, x := range v {
		s += g.w[k] * x
	}
	return s
}
