#!/usr/bin/env bash
# setup.sh — install the system packages surrogo needs, and nothing else.
#
#   scripts/setup.sh build   packages to build and run surrogo (HDF5, LZF, OpenBLAS)
#   scripts/setup.sh test    the above plus what the tests need: h5py, OpenMPI,
#                            and SLURM with munge (the tests start a one-node
#                            cluster of their own; services the install enabled
#                            under systemd are disabled again)
#   scripts/setup.sh hpc     build packages plus OpenMPI, for a binary that trains
#                            data-parallel under mpirun (a cluster has SLURM already)
#   scripts/setup.sh bench   build packages plus PyTorch and NumPy for bench/
#
# Idempotent and quiet when everything is present. Installs through apt-get
# as root (or through passwordless sudo). Anywhere else it prints what to
# install by hand and exits 1.
set -euo pipefail

profile="${1:-build}"
build_pkgs=(pkg-config libhdf5-dev liblzf-dev hdf5-plugin-lzf libopenblas-dev)
mpi_pkgs=(openmpi-bin libopenmpi-dev)
test_pkgs=(python3-h5py "${mpi_pkgs[@]}" slurm-wlm munge)
bench_pkgs=(python3-torch python3-numpy)

case "$profile" in
build) pkgs=("${build_pkgs[@]}") ;;
test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
hpc) pkgs=("${build_pkgs[@]}" "${mpi_pkgs[@]}") ;;
bench) pkgs=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
*)
	echo "usage: scripts/setup.sh [build|test|hpc|bench]" >&2
	exit 2
	;;
esac

if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
	echo "setup: Go is not on PATH; install Go 1.26 or newer (https://go.dev/dl) and retry." >&2
	exit 1
fi

manual_help() {
	cat >&2 <<MSG
setup: cannot install system packages automatically ($1).
Install these by hand, then rerun:
  Debian/Ubuntu:  sudo apt-get install ${pkgs[*]}
  Fedora/RHEL:    sudo dnf install hdf5-devel pkgconf-pkg-config liblzf-devel python3-h5py
  HPC cluster:    module load hdf5   (then make sure 'pkg-config --cflags hdf5' works,
                  or export CGO_CFLAGS=-I\$HDF5_DIR/include CGO_LDFLAGS=-L\$HDF5_DIR/lib;
                  liblzf can be built from source with the same prefix)
MSG
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	# Not a Debian system: check what the build needs instead of installing.
	if pkg-config --exists hdf5 2>/dev/null; then
		exit 0
	fi
	manual_help "no dpkg/apt-get on this system"
	exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo=(sudo -n)
else
	pkgs=("${missing[@]}")
	manual_help "not root, and no passwordless sudo"
	exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The tests start a SLURM cluster and munged of their own: where systemd
# runs, the services these packages just enabled (unconfigured here) are
# stopped and disabled again. A SLURM or munge installed before is left alone.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	for svc in munge slurmctld slurmd; do
		pkg=$svc
		[ "$svc" = munge ] || pkg=slurm-wlm
		if printf '%s\n' "${missing[@]}" | grep -qx "$pkg"; then
			"${sudo[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || true
		fi
	done
fi
echo "setup: done"
