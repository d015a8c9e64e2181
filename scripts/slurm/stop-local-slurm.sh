#!/usr/bin/env bash
# Stops the single-node Slurm cluster that start-local-slurm.sh started in an instance dir, and nothing else.
#
#   bash scripts/slurm/stop-local-slurm.sh [--dir DIR]     # default: $RPLPIPE_SLURM_DIR or ${TMPDIR:-/tmp}/rplpipe-slurm
#
# Idempotent: stopping a stopped (or never started) instance succeeds. Logs stay in <dir>/log; env.sh is removed.
# Why it works this way:
# - Jobs survive a stopped slurmd (slurmstepd keeps running by design), so it first cancels all jobs (waiting up to
#   8 s: KillWait=5 for jobs that ignore SIGTERM), then kills the job processes that `scontrol listpids` reports,
#   then any slurmstepd carrying this instance's marker SLURM_LOCAL_DAEMON_DIR=<dir> (inherited from slurmd; job
#   processes do not carry it), and after the daemons any marked slurmstepd/slurmscriptd still left (slurmscriptd
#   is slurmctld's child and normally ends with it; killing it first makes slurmctld's shutdown hang).
#   A slurmstepd whose slurmctld is gone ignores SIGTERM, hence SIGKILL after 3 s.
# - Daemons come from run/<name>.pid, accepted only if /proc/<pid>/comm is the daemon's name and its environment has
#   the marker (a recycled pid is left alone); processes with the marker but no pid file are stopped too.
#   Never pkill/killall: other Slurm or MariaDB instances on the machine are not ours.
# - Order slurmd -> slurmctld -> slurmdbd -> mariadbd -> munged: with slurmdbd gone first, slurmctld's shutdown
#   stalls for seconds; everything needs munged until the end.
# - PID 1 may reap orphans late, so an exited daemon can linger as a zombie: state Z counts as gone.
set -euo pipefail

prog=stop-local-slurm
dir=${RPLPIPE_SLURM_DIR:-${TMPDIR:-/tmp}/rplpipe-slurm}
while [ $# -gt 0 ]; do
  case $1 in
    --dir) [ $# -ge 2 ] || { echo "$prog: --dir needs a value" >&2; exit 2; }; dir=$2; shift ;;
    --dir=*) dir=${1#--dir=} ;;
    -h|--help) echo "Usage: stop-local-slurm.sh [--dir DIR]"; exit 0 ;;
    *) echo "$prog: unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '%s: %s\n' "$prog" "$*" >&2; }
usec() { local t=${EPOCHREALTIME/./}; printf '%s' "$t"; }
elapsed() { local d=$(( $(usec) - $1 )); printf '%d.%02ds' $((d / 1000000)) $(((d % 1000000) / 10000)); }

if [ ! -d "$dir" ]; then
  log "no instance dir $dir: nothing to stop"
  exit 0
fi
dir=$(cd "$dir" && pwd -P)
run=$dir/run
marker=SLURM_LOCAL_DAEMON_DIR=$dir
t0=$(usec)
if [ -f "$dir/etc/slurm.conf" ]; then export SLURM_CONF=$dir/etc/slurm.conf; fi

is_uint() { case $1 in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }
proc_alive() { # pid: running and not a zombie
  local line
  [ -n "${1-}" ] && read -r line 2>/dev/null <"/proc/$1/stat" || return 1
  line=${line##*) }
  case ${line:0:1} in Z|X|x) return 1 ;; esac
}
has_marker() { tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | grep -qxF "$marker"; }
# marker_pids NAME...: live processes named NAME that carry this instance's marker
marker_pids() {
  local p comm
  for p in /proc/[0-9]*; do
    read -r comm 2>/dev/null <"$p/comm" || continue
    case " $* " in *" $comm "*) ;; *) continue ;; esac
    proc_alive "${p#/proc/}" && has_marker "${p#/proc/}" && printf '%s\n' "${p#/proc/}"
  done
  return 0
}
# daemon_pids NAME: from run/NAME.pid (checked) plus marker carriers
daemon_pids() {
  local pid comm
  if read -r pid 2>/dev/null <"$run/$1.pid" && is_uint "$pid" && proc_alive "$pid" &&
     read -r comm 2>/dev/null <"/proc/$pid/comm" && [ "$comm" = "$1" ] && has_marker "$pid"; then
    printf '%s\n' "$pid"
  fi
  marker_pids "$1"
}
# kill_wait GRACE PID...: SIGTERM, wait up to GRACE seconds, then SIGKILL and wait up to 5 s more
kill_wait() {
  local grace=$1 p left deadline round
  shift
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for round in term kill; do
    deadline=$(( $(usec) + grace * 1000000 ))
    while :; do
      left=()
      for p in "$@"; do proc_alive "$p" && left+=("$p"); done
      [ ${#left[@]} -gt 0 ] || return 0
      [ "$(usec)" -lt "$deadline" ] || break
      sleep 0.05
    done
    if [ "$round" = term ]; then
      log "sending SIGKILL to ${left[*]}"
      kill -KILL "${left[@]}" 2>/dev/null || true
      grace=5
    fi
  done
  log "still alive after SIGKILL: ${left[*]}"
  return 1
}
uniq_pids() { sort -un | tr '\n' ' '; }

ctld_alive=0
[ -n "$(daemon_pids slurmctld)" ] && ctld_alive=1

# 1. cancel all jobs, and give them KillWait (5 s) + a little to end
if [ "$ctld_alive" = 1 ] && [ -n "${SLURM_CONF-}" ]; then
  jobs=$(timeout 10 squeue -h -o %i 2>/dev/null || true)
  if [ -n "$jobs" ]; then
    log "cancelling $(wc -w <<<"$jobs") job(s)"
    # shellcheck disable=SC2086  # one job id per word
    timeout 10 scancel $jobs 2>/dev/null || true
    deadline=$((EPOCHSECONDS + 8))
    while [ -n "$(timeout 5 squeue -h -o %i 2>/dev/null || true)" ] && [ "$EPOCHSECONDS" -lt "$deadline" ]; do
      sleep 0.2
    done
  fi
fi

# 2. job processes that slurmstepd still tracks (listpids asks the slurmstepd sockets in the spool dir directly, so
#    it works without slurmctld and slurmd)
if [ -n "$(marker_pids slurmstepd)" ] && [ -n "${SLURM_CONF-}" ]; then
  # shellcheck disable=SC2207
  pids=($({ timeout 10 scontrol listpids 2>/dev/null || true; } | awk 'NR > 1 && $1 ~ /^[0-9]+$/ {print $1}' | uniq_pids))
  if [ ${#pids[@]} -gt 0 ]; then
    log "killing ${#pids[@]} leftover job process(es)"
    kill_wait 3 "${pids[@]}" || true
  fi
fi

# 3. slurmstepd of this instance (slurmscriptd belongs to slurmctld and ends with it; see step 5)
# shellcheck disable=SC2207
pids=($(marker_pids slurmstepd | uniq_pids))
if [ ${#pids[@]} -gt 0 ]; then
  log "killing ${#pids[@]} slurmstepd process(es)"
  kill_wait 3 "${pids[@]}" || true
fi

# 4. the daemons, in order
stopped=() failed=0
for name in slurmd slurmctld slurmdbd mariadbd munged; do
  # shellcheck disable=SC2207
  pids=($(daemon_pids "$name" | uniq_pids))
  if [ ${#pids[@]} -gt 0 ]; then
    grace=10
    [ "$name" = mariadbd ] && grace=30
    kill_wait "$grace" "${pids[@]}" || failed=1
    stopped+=("$name")
  fi
  rm -f "$run/$name.pid"
done

# 5. stragglers: slurmstepd/slurmscriptd of this instance that outlived the daemons
# shellcheck disable=SC2207
pids=($(marker_pids slurmstepd slurmscriptd | uniq_pids))
if [ ${#pids[@]} -gt 0 ]; then
  log "killing ${#pids[@]} leftover slurmstepd/slurmscriptd process(es)"
  kill_wait 3 "${pids[@]}" || failed=1
fi
rm -f "$dir/env.sh"

if [ ${#stopped[@]} -eq 0 ]; then
  log "nothing was running in $dir ($(elapsed "$t0"))"
else
  log "stopped ${stopped[*]} in $dir ($(elapsed "$t0"))"
fi
exit "$failed"
