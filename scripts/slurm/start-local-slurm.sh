#!/usr/bin/env bash
# Starts a real single-node Slurm cluster on loopback for tests and CI (Debian 12, Slurm 22.05, run as root).
#
#   eval "$(bash scripts/slurm/start-local-slurm.sh)"     # or --no-accounting
#   trap 'bash scripts/slurm/stop-local-slurm.sh' EXIT
#
# stdout carries only `export SLURM_CONF=...` and `export RPLPIPE_SLURM_DIR=...` (also written to <dir>/env.sh);
# progress and timings go to stderr. A healthy instance started with the same settings is reused (the exports are
# just printed again); a half-dead one is stopped and started clean. Every start that does not reuse begins from
# empty state: job ids restart at 1 and the accounting database is emptied. On failure the script prints the log
# tails and stops what it started (RPLPIPE_SLURM_KEEP_ON_FAILURE=1 keeps the daemons for debugging).
# RPLPIPE_SLURM_EXTRA_CONF appends raw lines to slurm.conf.
#
# Instance dir (--dir; default $RPLPIPE_SLURM_DIR if set, as in stop-local-slurm.sh, else
# ${TMPDIR:-/tmp}/rplpipe-slurm): etc/ (slurm.conf, slurmdbd.conf, db.pass), munge/ (key, socket), state/, spool/,
# run/*.pid, log/ (daemon logs, *.stdio.log, jobcomp.txt), db/ (MariaDB datadir, kept between starts unless --fresh).
# Ports: slurmctld P, slurmd P+1, slurmdbd P+2, MariaDB P+3 (P = --port-base, default 16817).
#
# Why the non-obvious settings exist:
# - SLURM_CONF must reach every client: without it (and no /etc/slurm/slurm.conf) 22.05 clients try a DNS SRV
#   lookup (configless mode), which leaves loopback and then fails.
# - Own munged (socket, key, pid, log, seed in the instance dir) leaves the system's /run/munge and /etc/munge alone;
#   the socket dir must be 755 or munged refuses; --force turns "seed dir is insecure" (group-writable parents)
#   into a warning. AuthInfo=socket=... points daemons, clients and slurmstepd at it.
# - AccountingStoragePass=<munge socket>: the slurmctld -> slurmdbd connection ignores AuthInfo and would use
#   /run/munge/munge.socket.2 ("Protocol authentication error", slurmctld stalls).
# - SlurmUser=SlurmdUser=root: there is no service user; mariadbd needs --user=root.
# - SlurmctldHost=localhost(127.0.0.1), NodeName=localhost NodeAddr=127.0.0.1, slurmd -N localhost: the machine's
#   hostname does not matter. CommunicationParameters=NoInAddrAny (only when the hostname resolves to 127.x) keeps
#   slurmd/srun listeners on 127.0.0.1 (slurmctld and slurmdbd still bind 0.0.0.0 in 22.05).
# - proctrack/linuxproc + task/none: no cgroups needed (proctrack/cgroup fails on hybrid cgroup hosts and in
#   containers); children of cancelled jobs are still killed.
# - select/cons_tres + CR_Core with only CPUs=N: N one-CPU jobs run at once; memory is not consumable.
# - --cpus above nproc adds SlurmdParameters=config_overrides, else the node goes INVAL/DRAIN ("Low CPUs").
# - SchedulerParameters=batch_sched_delay=0,sched_min_interval=0: the default delay leaves freed CPUs idle ~3 s.
# - EnforcePartLimits=ALL: impossible requests (-c 3 on 2 CPUs) are rejected at submit instead of pending forever.
# - MinJobAge=3600: finished jobs stay visible to squeue -t all / scontrol for an hour (default 5 min).
# - KillWait=5 (faster kills), MailProg=/bin/true (no "MailProg invalid"), ReturnToService=2 (node comes back).
# - MaxArraySize=10001, MaxJobCount=100000: large arrays, and finished jobs kept for MinJobAge do not fill the table.
# - JobAcctGatherType=jobacct_gather/linux (with accounting only): sacct shows MaxRSS/CPU time; it polls /proc, so it
#   needs no cgroups.
# - JobCompType=jobcomp/filetxt: log/jobcomp.txt, one line per finished job (sacct -c reads it without slurmdbd).
# - slurmdbd + MariaDB: 22.05 has no file-based accounting storage, so plain `sacct` needs them. MariaDB gets its own
#   datadir, 127.0.0.1, a custom port, --skip-name-resolve; slurmdbd can only reach it over TCP.
#   innodb_buffer_pool_size=512M (half of the 1 GiB slurmdbd recommends; only touched pages use RAM),
#   innodb_log_file_size=32M (half of its 64M; the default 96M file would take that much disk) and
#   innodb_lock_wait_timeout=900 silence slurmdbd's "Database settings not recommended values" error.
# - Daemons run with stdin </dev/null, stdout/stderr in log/NAME.stdio.log and without the lock fd, so no daemon holds
#   the script's stdout and `eval "$(start ...)"` never hangs.
# - Daemons carry SLURM_LOCAL_DAEMON_DIR=<dir>; slurmstepd/slurmscriptd inherit it, and stop-local-slurm.sh uses it
#   to find exactly this instance's processes.
# - A temporary policy-rc.d (exit 101) during apt-get keeps postinsts from starting system-wide services.
set -euo pipefail
umask 022
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac   # the daemons live in sbin

prog=start-local-slurm
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

usage() {
  cat <<'EOF'
Usage: start-local-slurm.sh [options]
  --dir DIR              instance directory (default $RPLPIPE_SLURM_DIR, else ${TMPDIR:-/tmp}/rplpipe-slurm)
  --port-base P          slurmctld P, slurmd P+1, slurmdbd P+2, MariaDB P+3 (default 16817)
  --cpus N               CPUs of the node (default: nproc; more than nproc adds config_overrides)
  --no-accounting        no slurmdbd/MariaDB (plain sacct then fails; sacct -c reads log/jobcomp.txt)
  --kill-invalid-depend  cancel jobs whose dependency can never be satisfied (default: they pend forever)
  --fresh                restart even if a healthy instance with the same settings is running
  --no-install           do not run apt-get (fail if a package is missing)
  --no-smoke             skip the srun/sacct smoke test
  --timeout S            limit for each readiness wait, seconds (default 60)
stdout: only export lines (SLURM_CONF, RPLPIPE_SLURM_DIR); progress goes to stderr.
EOF
}

log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usec() { local t=${EPOCHREALTIME/./}; printf '%s' "${t#0}"; }
elapsed() { local d=$(( $(usec) - $1 )); printf '%d.%02ds' $((d / 1000000)) $(((d % 1000000) / 10000)); }

# ---- options -------------------------------------------------------------------------------------------------------
dir=${RPLPIPE_SLURM_DIR:-${TMPDIR:-/tmp}/rplpipe-slurm}
port_base=16817
cpus=
accounting=1
kill_invalid_depend=0
fresh=0
install=1
smoke=1
timeout_s=60
while [ $# -gt 0 ]; do
  opt=$1
  case $opt in
    --*=*) val=${opt#*=}; opt=${opt%%=*}; has_val=1 ;;
    *) val=${2-}; has_val=0 ;;
  esac
  case $opt in
    --dir|--port-base|--cpus|--timeout)
      if [ "$has_val" = 0 ]; then [ $# -ge 2 ] || die "$opt needs a value"; shift; fi
      case $opt in
        --dir) dir=$val ;;
        --port-base) port_base=$val ;;
        --cpus) cpus=$val ;;
        --timeout) timeout_s=$val ;;
      esac ;;
    --no-accounting) accounting=0 ;;
    --kill-invalid-depend) kill_invalid_depend=1 ;;
    --fresh) fresh=1 ;;
    --no-install) install=0 ;;
    --no-smoke) smoke=0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

nproc_real=$(nproc)
[ -n "$cpus" ] || cpus=$nproc_real
is_uint() { case $1 in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }
if ! is_uint "$cpus" || [ "$cpus" -lt 1 ]; then die "--cpus must be a positive integer, got '$cpus'"; fi
if ! is_uint "$port_base" || [ "$port_base" -lt 1024 ] || [ "$port_base" -gt 65532 ]; then
  die "--port-base must be an integer between 1024 and 65532, got '$port_base'"
fi
if ! is_uint "$timeout_s" || [ "$timeout_s" -lt 1 ]; then die "--timeout must be a positive integer, got '$timeout_s'"; fi
[ "$(id -u)" = 0 ] || die "must run as root (the daemons run as root, and apt-get needs it)"
[ -n "$dir" ] || die "--dir must not be empty"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
etc=$dir/etc run=$dir/run logd=$dir/log state=$dir/state spool=$dir/spool mungedir=$dir/munge db=$dir/db
conf=$etc/slurm.conf
munge_sock=$mungedir/munge.socket
mysql_sock=$run/mariadb.sock
# Unix socket paths must fit in sun_path (108 bytes).
if [ ${#munge_sock} -ge 100 ] || [ ${#mysql_sock} -ge 100 ]; then die "instance dir path too long for Unix sockets: $dir"; fi
p_ctld=$port_base p_slurmd=$((port_base + 1)) p_dbd=$((port_base + 2)) p_db=$((port_base + 3))
marker=SLURM_LOCAL_DAEMON_DIR=$dir
export SLURM_CONF=$conf

extra_conf=${RPLPIPE_SLURM_EXTRA_CONF-}
extra_sum=$(printf '%s' "$extra_conf" | cksum | cut -d' ' -f1)
settings="accounting=$accounting port_base=$port_base cpus=$cpus kill_invalid_depend=$kill_invalid_depend extra=$extra_sum"

daemons=(munged slurmctld slurmd)
[ "$accounting" = 1 ] && daemons=(munged mariadbd slurmdbd slurmctld slurmd)

print_exports() {
  printf 'export SLURM_CONF=%q\nexport RPLPIPE_SLURM_DIR=%q\n' "$conf" "$dir"
}

# ---- process helpers (no pgrep/pkill: only pids from our pid files that carry our marker) --------------------------
proc_alive() { # pid: running and not a zombie
  local line
  [ -n "${1-}" ] && read -r line 2>/dev/null <"/proc/$1/stat" || return 1
  line=${line##*) }
  case ${line:0:1} in Z|X|x) return 1 ;; esac
}
has_marker() { tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | grep -qxF "$marker"; }
daemon_pid() { # name -> pid of our live daemon, from run/<name>.pid
  local pid comm
  read -r pid 2>/dev/null <"$run/$1.pid" || return 1
  is_uint "$pid" && proc_alive "$pid" || return 1
  read -r comm 2>/dev/null <"/proc/$pid/comm" && [ "$comm" = "$1" ] && has_marker "$pid" || return 1
  printf '%s' "$pid"
}
any_instance_process() {
  local n p comm
  for n in munged mariadbd slurmdbd slurmctld slurmd; do daemon_pid "$n" >/dev/null && return 0; done
  for p in /proc/[0-9]*; do
    read -r comm 2>/dev/null <"$p/comm" || continue
    case $comm in munged|mariadbd|slurmdbd|slurmctld|slurmd|slurmstepd|slurmscriptd) ;; *) continue ;; esac
    has_marker "${p#/proc/}" && return 0
  done
  return 1
}

# Readiness checks: quiet on stdout; on failure they say why on stderr (wait_ready shows the last reason).
ctld_up() {
  local out
  out=$(timeout 5 scontrol ping) || return 1
  grep -q 'is UP' <<<"$out" || { printf '%s\n' "$out" >&2; return 1; }
}
node_ready() {
  local s
  s=$(timeout 5 sinfo -h -n localhost -o %t) || return 1
  case $s in
    idle|mix|alloc|comp) return 0 ;;
    *) echo "node localhost is '$s': $(timeout 5 sinfo -h -n localhost -o %E)" >&2; return 1 ;;
  esac
}
dbd_up() { timeout 5 sacctmgr -n -P show cluster format=cluster >/dev/null; }
cluster_registered() {
  local out
  out=$(timeout 5 sacctmgr -n -P show cluster format=cluster) || return 1
  grep -qx rplpipe <<<"$out" || { echo "cluster rplpipe not yet registered in slurmdbd" >&2; return 1; }
}

instance_healthy() {
  local n
  [ -f "$dir/instance.conf" ] && [ "$(cat "$dir/instance.conf")" = "$settings" ] || return 1
  for n in "${daemons[@]}"; do daemon_pid "$n" >/dev/null || return 1; done
  ctld_up 2>/dev/null || return 1
  node_ready 2>/dev/null || return 1
  if [ "$accounting" = 1 ]; then cluster_registered 2>/dev/null || return 1; fi
}

# ---- lock: one start at a time per instance dir (fd 9 is closed for every daemon) ----------------------------------
exec 9>"$dir/.start.lock"
flock -w "$((timeout_s * 3))" 9 || die "another start-local-slurm.sh holds $dir/.start.lock"

t0=$(usec)
if [ "$fresh" = 0 ] && instance_healthy; then
  log "reusing the healthy instance in $dir ($(elapsed "$t0"))"
  print_exports
  exit 0
fi
if any_instance_process; then
  if [ "$fresh" = 1 ]; then
    log "--fresh: stopping the instance running in $dir"
  elif [ "$(cat "$dir/instance.conf" 2>/dev/null)" != "$settings" ]; then
    log "stopping the instance in $dir: it runs with other settings ($(cat "$dir/instance.conf" 2>/dev/null ||
      echo unknown)) than requested ($settings)"
  else
    log "stopping the half-dead instance in $dir"
  fi
  bash "$script_dir/stop-local-slurm.sh" --dir "$dir" 9>&- >&2 || die "could not stop the old instance in $dir"
fi
rm -f "$dir/env.sh" "$dir/instance.conf"

# ---- cleanup on exit -----------------------------------------------------------------------------------------------
policy_rc_tmp=0
launched=0
on_exit() {
  local rc=$? f
  if [ "$policy_rc_tmp" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ "$rc" != 0 ] && [ "$launched" = 1 ]; then
    for f in "$logd"/*.log; do
      [ -s "$f" ] || continue
      printf '%s: ---- last lines of %s ----\n' "$prog" "$f" >&2
      tail -n 25 "$f" >&2 || true
    done
    if [ "${RPLPIPE_SLURM_KEEP_ON_FAILURE-}" = 1 ]; then
      log "start failed; RPLPIPE_SLURM_KEEP_ON_FAILURE=1, so the daemons are left running"
    else
      log "start failed; stopping what was started"
      bash "$script_dir/stop-local-slurm.sh" --dir "$dir" 9>&- >&2 || true
    fi
  fi
  exit "$rc"
}
trap on_exit EXIT

# ---- packages ------------------------------------------------------------------------------------------------------
pkgs=(slurmctld slurmd slurm-client slurm-wlm-basic-plugins munge)
[ "$accounting" = 1 ] && pkgs+=(slurmdbd slurm-wlm-mysql-plugin mariadb-server)
missing=()
for p in "${pkgs[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$install" = 1 ] || die "missing packages (and --no-install given): ${missing[*]}"
  t=$(usec)
  log "installing ${missing[*]}"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from rplpipe start-local-slurm.sh: no service starts during apt-get\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_rc_tmp=1
  fi
  apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      -o DPkg::Lock::Timeout=300 "${missing[@]}" </dev/null >&2
  }
  if ! apt-cache show --no-all-versions "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -q -o DPkg::Lock::Timeout=300 </dev/null >&2
  fi
  apt_install || { apt-get update -q </dev/null >&2 && apt_install; }
  if [ "$policy_rc_tmp" = 1 ]; then rm -f /usr/sbin/policy-rc.d; policy_rc_tmp=0; fi
  log "packages installed ($(elapsed "$t"))"
fi
for b in munged mungekey munge unmunge slurmctld slurmd srun sbatch scontrol sinfo; do
  command -v "$b" >/dev/null || die "$b not found after install"
done
if [ "$accounting" = 1 ]; then
  for b in slurmdbd sacctmgr mariadbd mariadb-install-db mariadb mariadb-admin; do
    command -v "$b" >/dev/null || die "$b not found after install"
  done
fi

# ---- ports ---------------------------------------------------------------------------------------------------------
port_busy() {
  if command -v ss >/dev/null; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}
ports=("$p_ctld" "$p_slurmd")
[ "$accounting" = 1 ] && ports+=("$p_dbd" "$p_db")
for p in "${ports[@]}"; do
  port_busy "$p" && die "port $p is already in use (choose another --port-base)"
done

# ---- fresh instance dir --------------------------------------------------------------------------------------------
rm -rf "$etc" "$run" "$logd" "$state" "$spool" "$mungedir"
if [ "$fresh" = 1 ]; then rm -rf "$db"; fi   # kept otherwise: saves mariadb-install-db (~0.5 s) on the next start
mkdir -p "$etc" "$run" "$logd" "$state" "$spool" "$mungedir"
chmod 755 "$dir" "$mungedir"   # munged: "execute permissions for all required" on the socket dir
chmod 700 "$state"

memtotal_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
real_mem=$((memtotal_kb / 1024))
host_addr=$(getent ahostsv4 "$(hostname)" 2>/dev/null | awk 'NR == 1 {print $1}') || true

{
  cat <<EOF
# Generated by rplpipe scripts/slurm/start-local-slurm.sh; see its header for why each setting exists.
ClusterName=rplpipe
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$p_ctld
SlurmdPort=$p_slurmd
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$munge_sock
CredType=cred/munge
StateSaveLocation=$state
SlurmdSpoolDir=$spool/slurmd
SlurmctldPidFile=$run/slurmctld.pid
SlurmdPidFile=$run/slurmd.pid
SlurmctldLogFile=$logd/slurmctld.log
SlurmdLogFile=$logd/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
EnforcePartLimits=ALL
MinJobAge=3600
KillWait=5
MailProg=/bin/true
ReturnToService=2
MaxArraySize=10001
MaxJobCount=100000
JobCompType=jobcomp/filetxt
JobCompLoc=$logd/jobcomp.txt
EOF
  if [ "$accounting" = 1 ]; then
    cat <<EOF
AccountingStorageType=accounting_storage/slurmdbd
JobAcctGatherType=jobacct_gather/linux
AccountingStorageHost=localhost
AccountingStoragePort=$p_dbd
AccountingStoragePass=$munge_sock
EOF
  else
    echo "AccountingStorageType=accounting_storage/none"
  fi
  [ "$kill_invalid_depend" = 1 ] && echo "DependencyParameters=kill_invalid_depend"
  case $host_addr in 127.*) echo "CommunicationParameters=NoInAddrAny" ;; esac
  [ "$cpus" -gt "$nproc_real" ] && echo "SlurmdParameters=config_overrides"
  cat <<EOF
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  if [ -n "$extra_conf" ]; then printf '# RPLPIPE_SLURM_EXTRA_CONF\n%s\n' "$extra_conf"; fi
} >"$conf"
# Any client parses slurm.conf; a bad line (e.g. from RPLPIPE_SLURM_EXTRA_CONF) fails here, before any daemon starts.
if ! conf_err=$(scontrol show hostnames localhost 2>&1 >/dev/null); then
  die "slurm.conf does not parse: $conf_err"
fi

# ---- daemons -------------------------------------------------------------------------------------------------------
# launch NAME CMD...: runs a daemon with our marker, no lock fd, stdin from /dev/null and stdout/stderr into
# log/NAME.stdio.log (never our pipe), so errors printed before a daemon opens its own log are kept.
launch() {
  local name=$1
  shift
  launched=1
  (cd "$dir" && exec env "$marker" SLURM_CONF="$conf" "$@") </dev/null >"$logd/$name.stdio.log" 2>&1 9>&-
}
# wait_ready NAME DESC CHECK...: polls CHECK until it succeeds; fails early if the daemon's pid file names a dead pid.
wait_ready() {
  local name=$1 desc=$2 deadline pid
  shift 2
  deadline=$((EPOCHSECONDS + timeout_s))
  until "$@" 2>"$run/wait.err"; do
    if read -r pid 2>/dev/null <"$run/$name.pid" && ! proc_alive "$pid"; then
      log "$name exited while waiting for $desc"
      return 1
    fi
    if [ "$EPOCHSECONDS" -ge "$deadline" ]; then
      log "timed out after ${timeout_s}s waiting for $desc; the last check said:"
      sed 's/^/    /' "$run/wait.err" >&2
      return 1
    fi
    sleep 0.05
  done
}

t=$(usec)
if command -v mungekey >/dev/null; then
  mungekey --create --keyfile="$mungedir/munge.key" >&2
else
  dd if=/dev/urandom of="$mungedir/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$mungedir/munge.key"
munge_ok() { munge -n -S "$munge_sock" | unmunge -S "$munge_sock" >/dev/null; }
launch munged munged --force --socket="$munge_sock" --key-file="$mungedir/munge.key" \
  --pid-file="$run/munged.pid" --log-file="$logd/munged.log" --seed-file="$mungedir/munged.seed"
wait_ready munged "munged" munge_ok
log "munged ready ($(elapsed "$t"))"

if [ "$accounting" = 1 ]; then
  t=$(usec)
  if [ ! -d "$db/mysql" ]; then
    rm -rf "$db"
    mkdir -p "$db"
    mariadb-install-db --no-defaults --datadir="$db" --user=root --auth-root-authentication-method=socket \
      --skip-test-db --skip-name-resolve --innodb-log-file-size=32M </dev/null >"$logd/mariadb-install.log" 2>&1 9>&- ||
      { launched=1; die "mariadb-install-db failed"; }
  fi
  launch mariadbd setsid -f mariadbd --no-defaults --user=root --datadir="$db" --socket="$mysql_sock" \
    --port="$p_db" --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$run/mariadbd.pid" \
    --log-error="$logd/mariadb.log" --innodb-buffer-pool-size=512M --innodb-lock-wait-timeout=900 \
    --innodb-log-file-size=32M
  mariadb_ok() { mariadb-admin --no-defaults --socket="$mysql_sock" -u root ping >/dev/null; }
  wait_ready mariadbd "MariaDB" mariadb_ok
  db_pass=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$db_pass" >"$etc/db.pass"
  chmod 600 "$etc/db.pass"
  mariadb --no-defaults --socket="$mysql_sock" -u root <<EOF
DROP DATABASE IF EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1';
ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$db_pass';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
EOF
  log "MariaDB ready on 127.0.0.1:$p_db ($(elapsed "$t"))"

  t=$(usec)
  # slurmdbd reads slurmdbd.conf from the directory of SLURM_CONF; it must be 600 and owned by SlurmUser.
  cat >"$etc/slurmdbd.conf" <<EOF
# Generated by rplpipe scripts/slurm/start-local-slurm.sh
AuthType=auth/munge
AuthInfo=socket=$munge_sock
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$p_dbd
SlurmUser=root
DebugLevel=info
LogFile=$logd/slurmdbd.log
PidFile=$run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$p_db
StorageUser=slurm
StoragePass=$db_pass
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$etc/slurmdbd.conf"
  launch slurmdbd slurmdbd
  wait_ready slurmdbd "slurmdbd" dbd_up
  log "slurmdbd ready on 127.0.0.1:$p_dbd ($(elapsed "$t"))"
fi

t=$(usec)
launch slurmctld slurmctld -f "$conf"
wait_ready slurmctld "slurmctld" ctld_up
launch slurmd slurmd -f "$conf" -N localhost
wait_ready slurmd "node localhost idle" node_ready
if [ "$accounting" = 1 ]; then wait_ready slurmctld "cluster registration in slurmdbd" cluster_registered; fi
log "slurmctld + slurmd ready, $cpus CPUs, ports $p_ctld/$p_slurmd ($(elapsed "$t"))"

if [ "$smoke" = 1 ]; then
  t=$(usec)
  want="rplpipe-slurm-smoke-$$"
  # srun exits 0 even when the task launch fails (22.05), so the output is what counts.
  out=$(timeout "$timeout_s" srun -N1 -n1 -t 1 -J smoke bash -c "echo $want \$SLURM_JOB_ID" 2>&1 9>&-) || true
  case $out in
    "$want "*) ;;
    *) die "srun smoke test failed; srun said: $out" ;;
  esac
  if [ "$accounting" = 1 ]; then
    timeout "$timeout_s" sacct -n -X -j "${out#"$want "}" >/dev/null || die "sacct did not answer"
  fi
  log "smoke test passed ($(elapsed "$t"))"
fi

print_exports >"$dir/env.sh"
printf '%s\n' "$settings" >"$dir/instance.conf"
log "ready in $(elapsed "$t0"): $dir (accounting: $([ "$accounting" = 1 ] && echo on || echo off))"
print_exports
