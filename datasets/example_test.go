package datasets_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/surrogo/surrogo/datasets"
)

// Write a field, read it back as another element type.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "u.h5")

	f, err := datasets.Create(path) // written as u.h5.tmp until Close
	if err != nil {
		log.Fatal(err)
	}
	u := []float64{0, 0.5, 1, 1.5, 2, 2.5}
	if err := datasets.Write(f.Group, "fields/u", []int{2, 3}, u, nil); err != nil {
		log.Fatal(err)
	}
	if err := f.SetAttr("Nu", 0.01); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := datasets.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	u32, shape, err := datasets.Read[float32](r.Group, "fields/u")
	if err != nil {
		log.Fatal(err)
	}
	nu, _ := r.AttrFloat64("Nu")
	fmt.Println(shape, u32, nu)
	// Output: [2 3] [0 0.5 1 1.5 2 2.5] 0.01
}

// Stream samples into an extendible dataset, then read one back.
func ExampleAppend() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "stream.h5")

	f, err := datasets.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	d, err := f.CreateDataset("tensor", datasets.Float32, []int{0, 4}, &datasets.Options{Extendible: true})
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		sample := []float32{float32(i), float32(i) + 0.25, float32(i) + 0.5, float32(i) + 0.75}
		if err := datasets.Append(d, sample); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("samples:", d.Len())
	second, err := datasets.ReadSamples[float32](d, 1, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(second)
	f.Close()
	// Output:
	// samples: 3
	// [1 1.25 1.5 1.75]
}

// Normalize training data pointwise, as FNO's UnitGaussianNormalizer.
func ExampleFitNormalizer() {
	// Two samples of three points.
	train := []float32{1, 10, 100, 3, 10, 300}
	nz, err := datasets.FitNormalizer(datasets.PointwiseGaussian, train, 3)
	if err != nil {
		log.Fatal(err)
	}
	x := append([]float32(nil), train...)
	datasets.Encode(nz, x)
	fmt.Printf("%.3f\n", x)
	datasets.Decode(nz, x)
	fmt.Println(x)
	// Output:
	// [-0.707 0.000 -0.707 0.707 0.000 0.707]
	// [1 10 100 3 10 300]
}

// Mini-batches depend only on the seed and the epoch.
func ExampleSampler() {
	split, _ := datasets.SplitFirstLast(10, 8, 2)
	s, _ := datasets.NewSampler(split.Train, 3, false, 0)
	fmt.Println(s.Epoch(0), "test:", split.Test)
	// Output: [[0 1 2] [3 4 5] [6 7]] test: [8 9]
}
