#!/usr/bin/env bash
# slurm-local.sh — a one-node SLURM cluster on this machine, for tests.
#
#   scripts/slurm-local.sh start DIR CTLD_PORT SLURMD_PORT
#   scripts/slurm-local.sh stop DIR
#
# start writes DIR/slurm.conf (the node is this host with its CPUs and
# memory as slurmd -C reports them, one partition "debug"), starts munged
# with a key and socket of its own in DIR, then slurmctld and slurmd, and
# waits until the node is idle. Clients find the cluster through
# SLURM_CONF=DIR/slurm.conf. Nothing outside DIR is touched, so it runs
# beside a system SLURM or munge. Needs root (slurmd starts jobs as their
# user) and Debian's slurm-wlm and munge (scripts/setup.sh test).
#
# stop kills the three daemons by their pid files. Exit 1 with the
# daemons' logs on any failure.
set -euo pipefail

usage() {
	echo "usage: scripts/slurm-local.sh start DIR CTLD_PORT SLURMD_PORT | stop DIR" >&2
	exit 2
}

fail() {
	echo "slurm-local: $*" >&2
	for log in "$dir"/munged.log "$dir"/slurmctld.log "$dir"/slurmd.log; do
		[ -f "$log" ] && { echo "--- $log" >&2; tail -20 "$log" >&2; }
	done
	exit 1
}

stop() {
	# Jobs first: their steps (slurmstepd) outlive slurmd otherwise.
	if [ -f "$dir/slurm.conf" ]; then
		SLURM_CONF="$dir/slurm.conf" scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
		for _ in $(seq 1 50); do
			[ -z "$(SLURM_CONF="$dir/slurm.conf" squeue -h -t running,completing 2>/dev/null)" ] && break
			sleep 0.1
		done
	fi
	for pidfile in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
		[ -f "$pidfile" ] || continue
		pid=$(cat "$pidfile" 2>/dev/null || true)
		[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	done
	# slurmctld and slurmd take a moment to save their state and exit.
	for _ in $(seq 1 50); do
		alive=0
		for pidfile in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
			[ -f "$pidfile" ] && kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null && alive=1
		done
		[ "$alive" -eq 0 ] && return 0
		sleep 0.1
	done
	for pidfile in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
		[ -f "$pidfile" ] && kill -9 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null || true
	done
	# A step daemon left by a job that would not end: one with a file of
	# this cluster's directory open is ours.
	for pid in $(pgrep -x slurmstepd 2>/dev/null); do
		if ls -l "/proc/$pid/fd" 2>/dev/null | grep -q -- "$dir/"; then
			kill -9 "$pid" 2>/dev/null || true
		fi
	done
}

start() {
	local ctld_port=$1 slurmd_port=$2
	[ "$(id -u)" -eq 0 ] || fail "needs root (slurmd starts jobs as their user)"
	for cmd in munged slurmctld slurmd sinfo; do
		command -v "$cmd" >/dev/null || fail "$cmd not found: install Debian's slurm-wlm and munge (scripts/setup.sh test)"
	done
	mkdir -p "$dir/state" "$dir/spool"
	chmod 700 "$dir"
	head -c 1024 /dev/urandom >"$dir/munge.key"
	chmod 600 "$dir/munge.key"
	munged --force --socket="$dir/munge.sock" --key-file="$dir/munge.key" \
		--log-file="$dir/munged.log" --pid-file="$dir/munged.pid" \
		--seed-file="$dir/munged.seed" || fail "munged did not start"

	local host node
	host=$(hostname -s)
	# slurmd -C prints this node as slurm.conf wants it (CPUs, sockets,
	# cores, threads, RealMemory); the node is reached on loopback.
	node=$(slurmd -C | head -1) || fail "slurmd -C failed"
	[[ "$node" == NodeName=* ]] || fail "slurmd -C printed $node"
	cat >"$dir/slurm.conf" <<CONF
ClusterName=surrogo-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=30
MinJobAge=3600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
	export SLURM_CONF="$dir/slurm.conf"
	slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start"
	slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
	for _ in $(seq 1 150); do
		state=$(sinfo -h -o %T 2>/dev/null || true)
		if [ "$state" = idle ]; then
			echo "slurm-local: up: SLURM_CONF=$SLURM_CONF"
			return 0
		fi
		sleep 0.2
	done
	fail "the node did not become idle within 30 s (sinfo: ${state:-no answer})"
}

[ $# -ge 2 ] || usage
dir=$2
case "$1" in
start)
	[ $# -eq 4 ] || usage
	start "$3" "$4"
	;;
stop) stop ;;
*) usage ;;
esac
