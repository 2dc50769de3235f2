package experiments

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// SlurmConfig is the [slurm] section: the resources of the batch jobs
// that `simulate submit` writes. It changes no result: no stage hash
// reads it.
type SlurmConfig struct {
	Partition     string   `toml:"partition" doc:"SLURM partition (queue) of every job (default: the cluster's default partition)"`
	Account       string   `toml:"account" doc:"SLURM account charged (default: the user's default account)"`
	Time          string   `toml:"time" doc:"wall-clock limit of each job in SLURM's format: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (default: the partition's limit)"`
	CPUs          int      `toml:"cpus" doc:"CPU cores per job, and per generation task (--cpus-per-task; default: the cluster's default, usually 1)"`
	Mem           string   `toml:"mem" doc:"memory per node, e.g. 8G (--mem; a number with an optional K, M, G or T suffix)"`
	Shards        int      `toml:"shards" doc:"generation array tasks: generate -shard k/n for k = 1..n, merged by the training job (default 1: one generation job)"`
	Ranks         int      `toml:"ranks" doc:"MPI processes of the training job, data-parallel (srun --mpi=MPI simulate train on --ntasks=ranks; grid operators only; needs a simulate built with MPI: scripts/setup.sh hpc, make build); default 1"`
	MPI           string   `toml:"mpi" doc:"srun's --mpi plugin that starts the ranks (default pmix; srun --mpi=list shows the cluster's)"`
	SignalSeconds int      `toml:"signal_seconds" doc:"SLURM sends USR1 this many seconds before a job's time limit (--signal=B:USR1@N); the job keeps its state, exits 75 and requeues itself (default 120)"`
	Sbatch        []string `toml:"sbatch" doc:"further sbatch options, one per element, e.g. [\"--qos=long\", \"--constraint=avx2\"]; those submit sets itself (--array, --dependency, --chdir, --output, --job-name, --requeue, --signal) are refused"`
}

// defaultSignalSeconds is the default warning before a job's time limit:
// enough for a checkpoint of any model surrogo trains, well under the
// shortest time limits clusters set.
const defaultSignalSeconds = 120

// slurmTime matches SLURM's --time formats.
var slurmTime = regexp.MustCompile(`^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$`)

// slurmMem matches --mem values.
var slurmMem = regexp.MustCompile(`^\d+[KMGT]?$`)

// slurmName matches a partition list or an account.
var slurmName = regexp.MustCompile(`^[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*$`)

// submitOwnedOptions are the sbatch options simulate submit sets itself.
var submitOwnedOptions = []string{"--array", "--dependency", "--chdir", "--output", "--error",
	"--job-name", "--requeue", "--no-requeue", "--signal", "--parsable", "--wrap", "--open-mode", "--ntasks"}

// validateSlurm checks [slurm] and fills its defaults (shards 1, the
// signal warning 120 s).
func (c *Config) validateSlurm(raw []byte) error {
	s := &c.Slurm
	switch {
	case s.Partition != "" && !slurmName.MatchString(s.Partition):
		return c.fail(raw, "slurm.partition", "expected a partition name or a comma-separated list of them (letters, digits, _ . + -), found %q", s.Partition)
	case s.Account != "" && !slurmName.MatchString(s.Account):
		return c.fail(raw, "slurm.account", "expected an account name (letters, digits, _ . + -), found %q", s.Account)
	case s.Time != "" && !slurmTime.MatchString(s.Time):
		return c.fail(raw, "slurm.time", "expected a SLURM time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED), found %q", s.Time)
	case s.CPUs < 0 || s.CPUs > 1<<16:
		return c.fail(raw, "slurm.cpus", "expected 1 to %d cores per job (0 for the cluster's default), found %d", 1<<16, s.CPUs)
	case s.Mem != "" && !slurmMem.MatchString(s.Mem):
		return c.fail(raw, "slurm.mem", "expected a memory size such as 8G (digits with an optional K, M, G or T), found %q", s.Mem)
	case s.SignalSeconds < 0 || s.SignalSeconds > 65535:
		return c.fail(raw, "slurm.signal_seconds", "expected 0 to 65535 seconds (0 for the default %d), found %d", defaultSignalSeconds, s.SignalSeconds)
	}
	if err := c.validateShardCount(raw); err != nil {
		return err
	}
	if err := c.validateRanks(raw); err != nil {
		return err
	}
	for i, opt := range s.Sbatch {
		if msg := checkSbatchOption(opt); msg != "" {
			return c.fail(raw, "slurm.sbatch", "element %d, %q: %s", i+1, opt, msg)
		}
	}
	if s.SignalSeconds == 0 {
		s.SignalSeconds = defaultSignalSeconds
	}
	return c.checkSignalTime(raw)
}

// checkSignalTime refuses a warning that takes half of the time limit or
// more: the job would be warned, stop and requeue itself again and again
// with little done each time.
func (c *Config) checkSignalTime(raw []byte) error {
	s := c.Slurm
	limit, ok := slurmSeconds(s.Time)
	if !ok || 2*s.SignalSeconds < limit {
		return nil
	}
	key := "slurm.time"
	if t, ok := c.tree["slurm"].(map[string]any); ok && t["signal_seconds"] != nil {
		key = "slurm.signal_seconds"
	}
	return c.fail(raw, key, "%d s of warning leave less than half of the %d s time limit (slurm.time = %q, slurm.signal_seconds = %d): lower slurm.signal_seconds or raise slurm.time",
		s.SignalSeconds, limit, s.Time, s.SignalSeconds)
}

// slurmSeconds converts a SLURM time limit to seconds; false for none
// (unset, UNLIMITED, INFINITE).
func slurmSeconds(t string) (int, bool) {
	if t == "" || !slurmTime.MatchString(t) || t == "UNLIMITED" || t == "INFINITE" {
		return 0, false
	}
	days, rest := 0, t
	if d, r, ok := strings.Cut(t, "-"); ok {
		days, _ = strconv.Atoi(d)
		rest = r
	}
	parts := strings.Split(rest, ":")
	n := make([]int, len(parts))
	for i, p := range parts {
		n[i], _ = strconv.Atoi(p)
	}
	var secs int
	switch {
	case days > 0 || strings.Contains(t, "-"): // D-H, D-H:M, D-H:M:S
		n = append(n, 0, 0)
		secs = n[0]*3600 + n[1]*60 + n[2]
	case len(n) == 1: // minutes
		secs = n[0] * 60
	case len(n) == 2: // M:S
		secs = n[0]*60 + n[1]
	default: // H:M:S
		secs = n[0]*3600 + n[1]*60 + n[2]
	}
	return days*86400 + secs, true
}

// validateShardCount checks slurm.shards against the samples there are
// to generate, and fills its default, 1.
func (c *Config) validateShardCount(raw []byte) error {
	s := &c.Slurm
	switch {
	case s.Shards < 0:
		return c.fail(raw, "slurm.shards", "expected at least 1 generation task (0 for the default 1), found %d", s.Shards)
	case s.Shards > 1 && c.Data.File != "":
		return c.fail(raw, "slurm.shards", "the data is read from data.file %s: there is nothing to generate in %d shards", c.Data.File, s.Shards)
	case s.Shards > 1 && s.Shards > c.Data.Samples():
		return c.fail(raw, "slurm.shards", "%d shards for %d samples: at most one shard per sample", s.Shards, c.Data.Samples())
	}
	if s.Shards == 0 {
		s.Shards = 1
	}
	return nil
}

// defaultSrunMPI is srun's --mpi plugin for data-parallel training: PMIx,
// which OpenMPI 4 and SLURM both speak.
const defaultSrunMPI = "pmix"

// validateRanks checks slurm.ranks (data-parallel training on that many
// MPI processes) against the model, and fills the defaults (1, pmix).
func (c *Config) validateRanks(raw []byte) error {
	s := &c.Slurm
	switch {
	case s.Ranks < 0 || s.Ranks > 1<<16:
		return c.fail(raw, "slurm.ranks", "expected 1 to %d MPI processes (0 for the default 1), found %d", 1<<16, s.Ranks)
	case s.MPI != "" && !slurmName.MatchString(s.MPI):
		return c.fail(raw, "slurm.mpi", "expected an srun --mpi plugin name such as pmix or pmi2, found %q", s.MPI)
	}
	if s.Ranks > 1 {
		if err := checkDataParallel(c, s.Ranks); err != nil {
			return c.fail(raw, "slurm.ranks", "%v", err)
		}
	}
	s.Ranks = max(s.Ranks, 1)
	if s.MPI == "" {
		s.MPI = defaultSrunMPI
	}
	return nil
}

// checkSbatchOption returns what is wrong with an extra sbatch option, or
// "".
func checkSbatchOption(opt string) string {
	name, _, _ := strings.Cut(opt, "=")
	switch {
	case !strings.HasPrefix(opt, "--") || len(opt) < 3:
		return "expected a long option starting with --, e.g. --qos=long"
	case strings.ContainsAny(opt, "\n\r\x00"):
		return "must be one line"
	case strings.ContainsAny(name, " \t"):
		return "expected --name or --name=value without spaces in the name"
	case ownedOption(name) != "":
		return fmt.Sprintf("%s is set by simulate submit itself", ownedOption(name))
	}
	return ""
}

// ownedOption returns the option submit sets that name spells (sbatch
// takes any unambiguous abbreviation, --dep for --dependency), or "".
func ownedOption(name string) string {
	if len(name) < 4 { // "--x": too short to name one option
		return ""
	}
	for _, o := range submitOwnedOptions {
		if strings.HasPrefix(o, name) {
			return o
		}
	}
	return ""
}

// slurmResolved is [slurm] for the resolved config: nil (left out) when
// the file has no [slurm] section, so config.toml and the stage hashes of
// runs without one are unchanged.
func (c *Config) slurmResolved() (map[string]any, error) {
	if _, ok := c.tree["slurm"]; !ok {
		return nil, nil
	}
	return asTree(c.Slurm) // TOML values, as the other sections have
}
