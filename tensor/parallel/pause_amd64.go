package parallel

// pause is the x86 PAUSE instruction: it tells the core that this thread
// spins, so a hyperthread sibling keeps the execution units.
func pause()
