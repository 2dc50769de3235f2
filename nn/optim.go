package nn

import (
	"fmt"
	"math"
	"sort"

	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// OptimizerState is everything an optimizer needs to continue exactly:
// per-parameter slots (moments, momentum buffers) by parameter name and
// slot name, and scalars (step count, learning rate).
type OptimizerState struct {
	Kind    string
	Scalars map[string]float64
	Slots   map[string]map[string][]float64 // param -> slot -> values
}

// Optimizer updates parameters from their accumulated gradients.
type Optimizer[T tensor.Float] interface {
	// Step applies one update using every parameter's Grad (parameters
	// without a gradient are skipped).
	Step(params []Param[T]) error
	LR() float64
	SetLR(lr float64)
	State() OptimizerState
	LoadState(OptimizerState) error
}

// slots is the per-parameter state shared by the first-order optimizers.
type slots map[string]map[string][]float64

func (s slots) get(param, slot string, n int) []float64 {
	m, ok := s[param]
	if !ok {
		m = map[string][]float64{}
		s[param] = m
	}
	v, ok := m[slot]
	if !ok || len(v) != n {
		v = make([]float64, n)
		m[slot] = v
	}
	return v
}

func (s slots) clone() map[string]map[string][]float64 {
	out := map[string]map[string][]float64{}
	for p, m := range s {
		out[p] = map[string][]float64{}
		for k, v := range m {
			out[p][k] = append([]float64(nil), v...)
		}
	}
	return out
}

// loadState checks the kind and returns the slots, the learning rate and,
// when withStep, the step count.
func loadState(st OptimizerState, want string, withStep bool) (slots, float64, int, error) {
	s, err := loadSlots(st, want)
	if err != nil {
		return nil, 0, 0, err
	}
	lr, err := scalar(st, "lr")
	if err != nil {
		return nil, 0, 0, err
	}
	step := 0.0
	if withStep {
		if step, err = scalar(st, "step"); err != nil {
			return nil, 0, 0, err
		}
	}
	return s, lr, int(step), nil
}

func loadSlots(st OptimizerState, want string) (slots, error) {
	if st.Kind != want {
		return nil, fmt.Errorf("nn: optimizer state is for %q, this optimizer is %q", st.Kind, want)
	}
	out := slots{}
	for p, m := range st.Slots {
		out[p] = map[string][]float64{}
		for k, v := range m {
			out[p][k] = append([]float64(nil), v...)
		}
	}
	return out, nil
}

func scalar(st OptimizerState, name string) (float64, error) {
	v, ok := st.Scalars[name]
	if !ok {
		keys := make([]string, 0, len(st.Scalars))
		for k := range st.Scalars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return 0, fmt.Errorf("nn: %s optimizer state lacks %q (has %v)", st.Kind, name, keys)
	}
	return v, nil
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and L2 weight decay, as torch.optim.SGD:
//
//	g <- g + wd p;  b <- mu b + (1 - dampening) g  (b = g on the first step)
//	g <- g + mu b (Nesterov) or b;  p <- p - lr g
type SGD[T tensor.Float] struct {
	Rate, Momentum, Dampening, WeightDecay float64
	Nesterov                               bool
	state                                  slots
}

// NewSGD returns plain SGD with learning rate lr.
func NewSGD[T tensor.Float](lr float64) *SGD[T] { return &SGD[T]{Rate: lr, state: slots{}} }

// LR returns the learning rate.
func (o *SGD[T]) LR() float64 { return o.Rate }

// SetLR sets the learning rate.
func (o *SGD[T]) SetLR(lr float64) { o.Rate = lr }

// Step applies one update.
func (o *SGD[T]) Step(params []Param[T]) error {
	for _, p := range params {
		if p.Var.Grad == nil {
			continue
		}
		w, g := p.Var.Value.Data(), p.Var.Grad.Data()
		var buf []float64
		first := false
		if o.Momentum != 0 {
			_, had := o.state[p.Name]["momentum_buffer"]
			first = !had
			buf = o.state.get(p.Name, "momentum_buffer", len(w))
		}
		for i := range w {
			d := float64(g[i]) + o.WeightDecay*float64(w[i])
			if o.Momentum != 0 {
				if first {
					buf[i] = d
				} else {
					buf[i] = o.Momentum*buf[i] + (1-o.Dampening)*d
				}
				if o.Nesterov {
					d += o.Momentum * buf[i]
				} else {
					d = buf[i]
				}
			}
			w[i] = T(float64(w[i]) - o.Rate*d)
		}
	}
	return nil
}

// State returns the momentum buffers.
func (o *SGD[T]) State() OptimizerState {
	return OptimizerState{Kind: "sgd", Scalars: map[string]float64{"lr": o.Rate}, Slots: o.state.clone()}
}

// LoadState restores a state from State.
func (o *SGD[T]) LoadState(st OptimizerState) error {
	s, lr, _, err := loadState(st, "sgd", false)
	if err == nil {
		o.state, o.Rate = s, lr
	}
	return err
}

// Adam is torch.optim.Adam (L2 weight decay added to the gradient) or,
// with Decoupled, torch.optim.AdamW (p <- p (1 - lr wd) before the step):
//
//	m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
//	p <- p - lr/(1 - b1^t) m / (sqrt(v)/sqrt(1 - b2^t) + eps)
//
// With AMSGrad (torch's amsgrad=True) the denominator uses the running
// maximum of v instead of v.
//
// Complex parameters, stored interleaved, are updated on their real and
// imaginary parts independently (torch's view_as_real behaviour).
type Adam[T tensor.Float] struct {
	Rate, Beta1, Beta2, Eps, WeightDecay float64
	Decoupled                            bool
	AMSGrad                              bool
	step                                 int
	state                                slots
}

// NewAdam returns Adam with PyTorch's defaults (betas 0.9, 0.999, eps 1e-8).
func NewAdam[T tensor.Float](lr, weightDecay float64) *Adam[T] {
	return &Adam[T]{Rate: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay, state: slots{}}
}

// NewAdamW returns AdamW with PyTorch's defaults (weight decay 1e-2 there;
// pass the one you want).
func NewAdamW[T tensor.Float](lr, weightDecay float64) *Adam[T] {
	a := NewAdam[T](lr, weightDecay)
	a.Decoupled = true
	return a
}

// LR returns the learning rate.
func (o *Adam[T]) LR() float64 { return o.Rate }

// SetLR sets the learning rate.
func (o *Adam[T]) SetLR(lr float64) { o.Rate = lr }

// Steps returns the number of updates taken.
func (o *Adam[T]) Steps() int { return o.step }

// Step applies one update.
func (o *Adam[T]) Step(params []Param[T]) error {
	o.step++
	t := float64(o.step)
	bc1 := 1 - math.Pow(o.Beta1, t)
	bc2 := 1 - math.Pow(o.Beta2, t)
	stepSize := o.Rate / bc1
	sq2 := math.Sqrt(bc2)
	for _, p := range params {
		if p.Var.Grad == nil {
			continue
		}
		w, g := p.Var.Value.Data(), p.Var.Grad.Data()
		m := o.state.get(p.Name, "exp_avg", len(w))
		v := o.state.get(p.Name, "exp_avg_sq", len(w))
		var vmax []float64
		if o.AMSGrad {
			vmax = o.state.get(p.Name, "max_exp_avg_sq", len(w))
		}
		// Elementwise and independent: split over the workers.
		parallel.For(len(w), 16, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				wi := float64(w[i])
				gi := float64(g[i])
				if o.Decoupled {
					wi *= 1 - o.Rate*o.WeightDecay
				} else {
					gi += o.WeightDecay * wi
				}
				m[i] = o.Beta1*m[i] + (1-o.Beta1)*gi
				v[i] = o.Beta2*v[i] + (1-o.Beta2)*gi*gi
				denom := v[i]
				if vmax != nil {
					vmax[i] = math.Max(vmax[i], v[i])
					denom = vmax[i]
				}
				w[i] = T(wi - stepSize*m[i]/(math.Sqrt(denom)/sq2+o.Eps))
			}
		})
	}
	return nil
}

func (o *Adam[T]) kind() string {
	if o.Decoupled {
		return "adamw"
	}
	return "adam"
}

// State returns moments and the step count.
func (o *Adam[T]) State() OptimizerState {
	return OptimizerState{Kind: o.kind(), Scalars: map[string]float64{"lr": o.Rate, "step": float64(o.step)}, Slots: o.state.clone()}
}

// LoadState restores a state from State.
func (o *Adam[T]) LoadState(st OptimizerState) error {
	s, lr, step, err := loadState(st, o.kind(), true)
	if err == nil {
		o.state, o.Rate, o.step = s, lr, step
	}
	return err
}

// Adamax is torch.optim.Adamax, Adam with the infinity norm:
//
//	m <- b1 m + (1 - b1) g;  u <- max(b2 u, |g| + eps);  p <- p - lr/(1 - b1^t) m / u
type Adamax[T tensor.Float] struct {
	Rate, Beta1, Beta2, Eps, WeightDecay float64
	step                                 int
	state                                slots
}

// NewAdamax returns Adamax with PyTorch's defaults (lr 2e-3 there).
func NewAdamax[T tensor.Float](lr float64) *Adamax[T] {
	return &Adamax[T]{Rate: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, state: slots{}}
}

// LR returns the learning rate.
func (o *Adamax[T]) LR() float64 { return o.Rate }

// SetLR sets the learning rate.
func (o *Adamax[T]) SetLR(lr float64) { o.Rate = lr }

// Step applies one update.
func (o *Adamax[T]) Step(params []Param[T]) error {
	o.step++
	clr := o.Rate / (1 - math.Pow(o.Beta1, float64(o.step)))
	for _, p := range params {
		if p.Var.Grad == nil {
			continue
		}
		w, g := p.Var.Value.Data(), p.Var.Grad.Data()
		m := o.state.get(p.Name, "exp_avg", len(w))
		u := o.state.get(p.Name, "exp_inf", len(w))
		for i := range w {
			gi := float64(g[i]) + o.WeightDecay*float64(w[i])
			m[i] = o.Beta1*m[i] + (1-o.Beta1)*gi
			u[i] = math.Max(o.Beta2*u[i], math.Abs(gi)+o.Eps)
			w[i] = T(float64(w[i]) - clr*m[i]/u[i])
		}
	}
	return nil
}

// State returns moments and the step count.
func (o *Adamax[T]) State() OptimizerState {
	return OptimizerState{Kind: "adamax", Scalars: map[string]float64{"lr": o.Rate, "step": float64(o.step)}, Slots: o.state.clone()}
}

// LoadState restores a state from State.
func (o *Adamax[T]) LoadState(st OptimizerState) error {
	s, lr, step, err := loadState(st, "adamax", true)
	if err == nil {
		o.state, o.Rate, o.step = s, lr, step
	}
	return err
}

// ClipGradNorm scales all gradients so their global L2 norm is at most
// maxNorm, as torch.nn.utils.clip_grad_norm_ (factor maxNorm / (norm +
// 1e-6) when below 1). It returns the norm before clipping.
func ClipGradNorm[T tensor.Float](params []Param[T], maxNorm float64) float64 {
	total := 0.0
	for _, p := range params {
		if p.Var.Grad == nil {
			continue
		}
		for _, g := range p.Var.Grad.Data() {
			total += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(total)
	coef := maxNorm / (norm + 1e-6)
	if coef < 1 {
		for _, p := range params {
			if p.Var.Grad == nil {
				continue
			}
			d := p.Var.Grad.Data()
			for i := range d {
				d[i] = T(float64(d[i]) * coef)
			}
		}
	}
	return norm
}
