//go:build !amd64

package parallel

// pause does nothing where no spin-wait hint is wired in.
func pause() {}
