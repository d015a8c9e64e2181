#!/usr/bin/env bash
# Starts (or reuses) the local Slurm cluster and checks the features rplpipe relies on, one PASS/FAIL line per check
# on stdout (progress on stderr). Exits non-zero if any check fails. Leaves the cluster running unless --stop.
#
#   bash scripts/slurm/check-local-slurm.sh [--stop] [--dir DIR] [start-local-slurm.sh options...]
#
# Options other than --stop are passed to start-local-slurm.sh (so `--no-accounting` checks that mode; an instance
# running with other settings is restarted by start). Jobs it submits are cancelled at the end; their files are in
# <dir>/check/<pid>/, removed when every check passed.
# Notes on the checks:
# - srun exits 0 even when the task launch fails (22.05), so outputs are compared, never just exit codes.
# - sacct lags scontrol by 1-2 s (slurmctld -> slurmdbd is asynchronous), so it is polled.
# - The array check requires exactly 2 tasks at once: %2 caps it, and on a 2-CPU node the CPUs cap it as well.
# - Without accounting, the failing job's sacct check reads log/jobcomp.txt instead (what `sacct -c` reads).
# Job scripts are single-quoted on purpose (they expand inside the job); helpers nested in checks are called
# through wait_until.
# shellcheck disable=SC2016,SC2317
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
stop=0
start_args=()
dir_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --stop) stop=1 ;;
    --dir) [ $# -ge 2 ] || { echo "check-local-slurm: --dir needs a value" >&2; exit 2; }
           dir_args=(--dir "$2"); start_args+=(--dir "$2"); shift ;;
    --dir=*) dir_args=("$1"); start_args+=("$1") ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) start_args+=("$1") ;;
  esac
  shift
done

log() { printf 'check-local-slurm: %s\n' "$*" >&2; }
usec() { local t=${EPOCHREALTIME/./}; printf '%s' "$t"; }
elapsed() { local d=$(( $(usec) - $1 )); printf '%d.%01ds' $((d / 1000000)) $(((d % 1000000) / 100000)); }

if [ "$stop" = 1 ]; then
  trap 'bash "$script_dir/stop-local-slurm.sh" ${dir_args[@]+"${dir_args[@]}"} >&2 || true' EXIT
fi

t_all=$(usec)
if ! exports=$(bash "$script_dir/start-local-slurm.sh" ${start_args[@]+"${start_args[@]}"}); then
  echo "FAIL start (start-local-slurm.sh failed; see its output above)"
  exit 1
fi
eval "$exports"
: "${SLURM_CONF:?start printed no SLURM_CONF}" "${RPLPIPE_SLURM_DIR:?start printed no RPLPIPE_SLURM_DIR}"
echo "PASS start ($(elapsed "$t_all"))"

accounting=0
grep -q 'accounting=1' "$RPLPIPE_SLURM_DIR/instance.conf" && accounting=1
kill_invalid=0
grep -q 'kill_invalid_depend=1' "$RPLPIPE_SLURM_DIR/instance.conf" && kill_invalid=1
cpus=$(sinfo -h -n localhost -o %c)
work=$RPLPIPE_SLURM_DIR/check/$$
rm -rf "$work"
mkdir -p "$work"
cd "$work"

# Job ids go to a file: submit runs in $(...), a subshell, so an array would not keep them.
cleanup_jobs() {
  local ids=()
  if [ -f "$work/job_ids" ]; then mapfile -t ids <"$work/job_ids"; fi
  if [ ${#ids[@]} -gt 0 ]; then scancel "${ids[@]}" 2>/dev/null || true; fi
}
trap 'cleanup_jobs' EXIT
if [ "$stop" = 1 ]; then
  trap 'cleanup_jobs; bash "$script_dir/stop-local-slurm.sh" ${dir_args[@]+"${dir_args[@]}"} >&2 || true' EXIT
fi

# ---- helpers -------------------------------------------------------------------------------------------------------
why=
# submit ARGS...: sbatch --parsable; prints the job id
submit() {
  local id
  id=$(sbatch --parsable --chdir="$work" "$@") || return 1
  id=${id%%;*}
  printf '%s\n' "$id" >>"$work/job_ids"
  printf '%s' "$id"
}
# field ID NAME: NAME=value from `scontrol show job -o ID` (first record)
field() {
  scontrol show job -o "$1" 2>/dev/null | head -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
# wait_until SECONDS CMD...: polls CMD every 0.2 s
wait_until() {
  local deadline=$((EPOCHSECONDS + $1))
  shift
  until "$@"; do
    [ "$EPOCHSECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
state_in() { # ID STATE...: job state is one of STATE
  local s id=$1
  shift
  s=$(field "$id" JobState)
  case " $* " in *" $s "*) return 0 ;; *) return 1 ;; esac
}
file_has() { [ -f "$1" ] && grep -qx -- "$2" "$1"; }

failures=0
run_check() { # NAME FUNCTION
  local name=$1 t
  t=$(usec)
  why=
  log "checking: $name"
  if "$2"; then
    echo "PASS $name ($(elapsed "$t"))${why:+: $why}"
  else
    echo "FAIL $name ($(elapsed "$t")): ${why:-no reason recorded}"
    failures=$((failures + 1))
  fi
}

# ---- checks --------------------------------------------------------------------------------------------------------
check_simple() {
  local id
  id=$(submit -J chk-simple -o simple.out --wrap 'echo "hello $SLURM_JOB_ID"') || { why="sbatch failed"; return 1; }
  wait_until 30 state_in "$id" COMPLETED FAILED CANCELLED TIMEOUT NODE_FAIL OUT_OF_MEMORY ||
    { why="job $id still $(field "$id" JobState) after 30 s"; return 1; }
  state_in "$id" COMPLETED || { why="job $id ended $(field "$id" JobState)"; return 1; }
  [ "$(field "$id" ExitCode)" = 0:0 ] || { why="ExitCode=$(field "$id" ExitCode)"; return 1; }
  wait_until 5 file_has simple.out "hello $id" || { why="simple.out: $(head -c 200 simple.out 2>/dev/null)"; return 1; }
  why="job $id COMPLETED 0:0, output written"
}

arr_id=
check_array_task_id() {
  local n=6 k
  [ -n "$arr_id" ] || { why="no array job (array check failed to submit)"; return 1; }
  for ((k = 0; k < n; k++)); do
    file_has "array_$k.out" "task=$k job=$arr_id" ||
      { why="array_$k.out: $(head -c 200 "array_$k.out" 2>/dev/null)"; return 1; }
  done
  why="array_0..$((n - 1)).out each hold task=<index> job=$arr_id"
}

dep_id=
check_dependency_submit() { # submitted right after the array, checked after it
  dep_id=$(submit -J chk-dep --dependency="afterok:$arr_id" -o dep.out \
    --wrap 'echo "ends=$(cat times_* | grep -c "^end ")"') || return 1
  dep_reason=$(field "$dep_id" Reason)
  dep_state=$(field "$dep_id" JobState)
}
check_dependency() {
  [ -n "$dep_id" ] || { why="sbatch --dependency failed"; return 1; }
  if [ "$dep_state" != PENDING ] || [ "$dep_reason" != Dependency ]; then
    why="while the array ran: JobState=$dep_state Reason=$dep_reason (expected PENDING/Dependency)"
    return 1
  fi
  wait_until 30 state_in "$dep_id" COMPLETED FAILED CANCELLED ||
    { why="job $dep_id still $(field "$dep_id" JobState) ($(field "$dep_id" Reason)) after 30 s"; return 1; }
  state_in "$dep_id" COMPLETED || { why="job $dep_id ended $(field "$dep_id" JobState)"; return 1; }
  wait_until 5 file_has dep.out "ends=6" ||
    { why="dep.out: $(head -c 200 dep.out 2>/dev/null) (expected ends=6: it must run after all tasks)"; return 1; }
  why="PENDING (Dependency) while the array ran, then COMPLETED after all 6 tasks"
}

check_failing_job() {
  local id out
  id=$(submit -J chk-fail -o fail.out --wrap 'exit 3') || { why="sbatch failed"; return 1; }
  wait_until 30 state_in "$id" COMPLETED FAILED CANCELLED || { why="job $id still $(field "$id" JobState)"; return 1; }
  [ "$(field "$id" JobState) $(field "$id" ExitCode)" = "FAILED 3:0" ] ||
    { why="scontrol: JobState=$(field "$id" JobState) ExitCode=$(field "$id" ExitCode), expected FAILED 3:0"; return 1; }
  if [ "$accounting" = 1 ]; then
    sacct_failed() { out=$(sacct -n -X -P -j "$id" -o State,ExitCode 2>&1) && [ "$out" = "FAILED|3:0" ]; }
    wait_until 20 sacct_failed || { why="sacct -j $id said '$out' after 20 s, expected FAILED|3:0"; return 1; }
    why="scontrol and sacct: FAILED 3:0"
  else
    in_jobcomp() { grep -q "^JobId=$id .*JobState=FAILED .*ExitCode=3:0" "$RPLPIPE_SLURM_DIR/log/jobcomp.txt"; }
    wait_until 10 in_jobcomp || { why="log/jobcomp.txt has no FAILED 3:0 line for job $id"; return 1; }
    why="scontrol and jobcomp.txt: FAILED 3:0 (no accounting: plain sacct not available)"
  fi
  fail_id=$id
}

check_dependency_on_failed() {
  local id
  [ -n "${fail_id-}" ] || { why="no failed job to depend on"; return 1; }
  id=$(submit -J chk-dep-fail --dependency="afterok:$fail_id" --wrap true) || { why="sbatch failed"; return 1; }
  if [ "$kill_invalid" = 1 ]; then
    wait_until 30 state_in "$id" CANCELLED || { why="job $id is $(field "$id" JobState), expected CANCELLED"; return 1; }
    why="CANCELLED (kill_invalid_depend)"
  else
    want() { [ "$(field "$id" JobState) $(field "$id" Reason)" = "PENDING DependencyNeverSatisfied" ]; }
    wait_until 15 want ||
      { why="job $id: $(field "$id" JobState) $(field "$id" Reason), expected PENDING DependencyNeverSatisfied"; return 1; }
    scancel "$id"
    why="PENDING (DependencyNeverSatisfied) as expected without --kill-invalid-depend; cancelled"
  fi
}

check_scancel() {
  local id pid pend
  id=$(submit -J chk-cancel -o cancel.out --wrap 'sleep 300 & echo $! > child.pid; wait') ||
    { why="sbatch failed"; return 1; }
  wait_until 30 state_in "$id" RUNNING || { why="job $id never RUNNING ($(field "$id" JobState))"; return 1; }
  wait_until 10 test -s child.pid || { why="job $id wrote no child.pid"; return 1; }
  pid=$(cat child.pid)
  scancel "$id" || { why="scancel $id failed"; return 1; }
  wait_until 15 state_in "$id" CANCELLED || { why="running job $id is $(field "$id" JobState) after scancel"; return 1; }
  child_gone() { ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; }
  wait_until 10 child_gone || { why="child process $pid of cancelled job $id still alive"; return 1; }
  pend=$(submit -J chk-cancel-pending --begin=now+3600 --wrap true) || { why="sbatch --begin failed"; return 1; }
  state_in "$pend" PENDING || { why="job $pend is $(field "$pend" JobState), expected PENDING"; return 1; }
  scancel "$pend" || { why="scancel $pend failed"; return 1; }
  wait_until 10 state_in "$pend" CANCELLED || { why="pending job $pend is $(field "$pend" JobState)"; return 1; }
  why="running job and its child killed (CANCELLED), pending job CANCELLED"
}

check_cpus_per_task() {
  local id c=2
  [ "$cpus" -ge 2 ] || c=1
  id=$(submit -J chk-cpus -c "$c" -o cpus.out --wrap 'echo "cpus=$SLURM_CPUS_PER_TASK"') ||
    { why="sbatch -c $c failed"; return 1; }
  wait_until 30 state_in "$id" COMPLETED FAILED CANCELLED || { why="job $id still $(field "$id" JobState)"; return 1; }
  [ "$(field "$id" NumCPUs)" = "$c" ] || { why="NumCPUs=$(field "$id" NumCPUs), expected $c"; return 1; }
  wait_until 5 file_has cpus.out "cpus=$c" || { why="cpus.out: $(head -c 200 cpus.out 2>/dev/null)"; return 1; }
  why="-c $c: NumCPUs=$c, SLURM_CPUS_PER_TASK=$c"
}

check_too_many_cpus() {
  local out
  if out=$(sbatch --parsable -c $((cpus + 1)) --wrap true 2>&1); then
    printf '%s\n' "${out%%;*}" >>"$work/job_ids"
    why="sbatch -c $((cpus + 1)) was accepted (job ${out%%;*}); EnforcePartLimits=ALL should reject it"
    return 1
  fi
  why="sbatch -c $((cpus + 1)) rejected at submit: ${out#sbatch: error: }"
}

check_srun_step() {
  local id
  id=$(submit -J chk-srun -o srun.out --wrap 'srun sh -c "echo step \$SLURM_STEP_ID"') || { why="sbatch failed"; return 1; }
  wait_until 30 state_in "$id" COMPLETED FAILED CANCELLED || { why="job $id still $(field "$id" JobState)"; return 1; }
  wait_until 5 file_has srun.out "step 0" || { why="srun.out: $(head -c 300 srun.out 2>/dev/null)"; return 1; }
  why="srun inside sbatch ran step 0"
}

run_check "simple job" check_simple
# The afterok job must be submitted while the array still runs, so this check submits it right after the array
# (check_dependency examines it afterwards).
check_array_with_dep() {
  local n=6 throttle s k max
  arr_id=$(submit -J chk-array --array=0-$((n - 1))%2 -o 'array_%a.out' --wrap '
    echo "start $(date +%s.%N)" > "times_$SLURM_ARRAY_TASK_ID"
    echo "task=$SLURM_ARRAY_TASK_ID job=$SLURM_ARRAY_JOB_ID"
    sleep 2
    echo "end $(date +%s.%N)" >> "times_$SLURM_ARRAY_TASK_ID"') || { why="sbatch --array failed"; return 1; }
  check_dependency_submit || dep_id=
  throttle=$(field "$arr_id" ArrayTaskThrottle)
  [ "$throttle" = 2 ] || { why="ArrayTaskThrottle=$throttle, expected 2"; return 1; }
  all_done() {
    s=$(squeue -h --array -t all -j "$arr_id" -o %T 2>/dev/null) || return 1
    [ "$(grep -c . <<<"$s")" = "$n" ] && ! grep -qv COMPLETED <<<"$s"
  }
  wait_until 60 all_done || { why="array $arr_id not all COMPLETED after 60 s: $(tr '\n' ' ' <<<"$s")"; return 1; }
  for ((k = 0; k < n; k++)); do
    grep -q '^end ' "times_$k" 2>/dev/null || { why="task $k wrote no end time"; return 1; }
  done
  # Largest number of tasks running at the same moment, from the start/end times.
  max=$(cat times_* | awk '{print $2, ($1 == "start" ? 1 : -1)}' | sort -k1,1n -k2,2n |
    awk '{c += $2; if (c > m) m = c} END {print m + 0}')
  [ "$max" -le 2 ] || { why="$max tasks ran at once despite %2"; return 1; }
  if [ "$cpus" -ge 2 ] && [ "$max" -lt 2 ]; then why="at most $max task ran at once on $cpus CPUs"; return 1; fi
  why="$n tasks COMPLETED, ArrayTaskThrottle=2, at most $max at once on $cpus CPUs"
}
run_check "array --array=0-5%2" check_array_with_dep
run_check "SLURM_ARRAY_TASK_ID in array tasks" check_array_task_id
run_check "dependency afterok on the array" check_dependency
run_check "failing job (exit 3) in scontrol and sacct" check_failing_job
run_check "afterok on the failed job" check_dependency_on_failed
run_check "scancel running and pending jobs" check_scancel
run_check "--cpus-per-task and SLURM_CPUS_PER_TASK" check_cpus_per_task
run_check "more CPUs than the node rejected at submit" check_too_many_cpus
run_check "srun step inside a batch job" check_srun_step

if [ "$failures" -gt 0 ]; then
  log "$failures check(s) failed in $(elapsed "$t_all"); logs: $RPLPIPE_SLURM_DIR/log, job files: $work"
  exit 1
fi
cleanup_jobs
cd "$RPLPIPE_SLURM_DIR"
rm -rf "$work"
rmdir "$RPLPIPE_SLURM_DIR/check" 2>/dev/null || true
log "all checks passed in $(elapsed "$t_all")"
