#!/usr/bin/env bash
# A libvirt daemon for the libvirt provider and its tests, on a machine without systemd.
#   start:  install what is missing (Debian packages), then start virtlogd and libvirtd unless a
#           daemon already answers on qemu:///system; remembers what it started, and registers the
#           caller as a user of the daemon
#   stop:   unregisters the caller; stops what `start` started only when no other registered user
#           is still alive (the last one out turns off the light)
#   status: exit 0 when qemu:///system answers
# The caller is the process that runs this script ($PPID: the shell of scripts/test.sh, say), or
# MACHINA_LIBVIRT_HOLDER (a pid). Several test runs can share one daemon: each `start` registers, and
# the daemon stops with the last `stop`, whichever run started it; a user whose process is gone (a run
# that was killed before its stop) no longer holds it. A daemon this script did not start (a system
# service) is never stopped. Starts and stops are serialised by a lock in the run folder.
# MACHINA_LIBVIRT_SYSTEM_SETUP=0 skips installing packages and configuring users and qemu.conf (for
# hosts set up otherwise, and for the script's own tests).
# QEMU runs as root: with a root-only /dev/kvm and QEMU as libvirt-qemu, libvirt re-probes QEMU on
# every define (measured: 48 s each, against 0.4 s as root).
set -euo pipefail
run_dir=${MACHINA_LIBVIRT_RUN_DIR:-/run/machina-libvirt}
uri=qemu:///system
log() { echo "libvirt-daemon: $*" >&2; }

# Runs a daemon holding no descriptor of its caller's beyond stdio: a lock held by this script (fd 9)
# or by whoever called it (`flock file bash libvirt-daemon.sh start` passes its lock as fd 3) would
# otherwise stay held as long as the daemon runs.
detached() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec "$@"
  )
}

answers() { timeout 10 virsh -c "$uri" version >/dev/null 2>&1; }

install_missing() {
  local missing=()
  for tool in virsh:libvirt-clients libvirtd:libvirt-daemon virtlogd:libvirt-daemon \
    qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils genisoimage:genisoimage ssh:openssh-client ssh-keygen:openssh-client; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
  done
  [ -f /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] || missing+=(libvirt-daemon-driver-qemu)
  command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
  if [ ${#missing[@]} -gt 0 ]; then
    local unique
    unique=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
    log "installing $unique"
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $unique >&2
  fi
}

configure() {
  mkdir -p "$run_dir"
  cat > "$run_dir/libvirtd.conf" <<CONF
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
  [ "${MACHINA_LIBVIRT_SYSTEM_SETUP:-1}" != 0 ] || return 0
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  id libvirt-qemu >/dev/null 2>&1 || useradd --system --no-create-home --gid libvirt-qemu --shell /usr/sbin/nologin libvirt-qemu
  local conf=/etc/libvirt/qemu.conf
  if ! grep -q '^user = "root"' "$conf" 2>/dev/null; then
    printf '\n# machina: QEMU as root (see scripts/libvirt-daemon.sh)\nuser = "root"\ngroup = "root"\n' >> "$conf"
  fi
  mkdir -p /var/log/libvirt /var/lib/libvirt/qemu /var/lib/libvirt/images
}

holder=${MACHINA_LIBVIRT_HOLDER:-$PPID}
holders="$run_dir/holders"

# The registered users whose process still runs (a pid reused since is counted: it only keeps the
# daemon running longer).
live_holders() {
  local f
  for f in "$holders"/*; do
    [ -e "$f" ] || continue
    if kill -0 "${f##*/}" 2>/dev/null; then echo "${f##*/}"; else rm -f "$f"; fi
  done
}

locked() {
  mkdir -p "$run_dir"
  exec 9>"$run_dir/lock"
  flock -w 120 9 || { log "another start or stop held $run_dir/lock for 120 s"; return 1; }
  "$@"
}

start() {
  if [ "${MACHINA_LIBVIRT_SYSTEM_SETUP:-1}" != 0 ]; then install_missing; fi
  mkdir -p "$holders"
  if answers; then
    # Someone's daemon (an earlier start's, or a system service): this call uses it and registers,
    # and leaves the record of who started it alone.
    log "a libvirt daemon already answers on $uri"
    : > "$holders/$holder"
    return 0
  fi
  configure
  local t0
  t0=$(date +%s%N)
  : > "$run_dir/started"
  if ! pgrep -x virtlogd >/dev/null; then
    detached virtlogd -d -p "$run_dir/virtlogd.pid"
    echo virtlogd >> "$run_dir/started"
  fi
  detached libvirtd -d --config "$run_dir/libvirtd.conf" -p "$run_dir/libvirtd.pid"
  echo libvirtd >> "$run_dir/started"
  for _ in $(seq 1 60); do
    if answers; then
      log "libvirtd started in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
      : > "$holders/$holder"
      return 0
    fi
    sleep 0.5
  done
  log "libvirtd did not answer within 30 s; last log lines:"
  tail -20 /var/log/libvirt/libvirtd.log >&2 || true
  return 1
}

stop() {
  rm -f "$holders/$holder"
  local others
  others=$(live_holders | tr '\n' ' ')
  if [ -n "$others" ]; then
    log "left running: still used by pid ${others% }"
    return 0
  fi
  [ -f "$run_dir/started" ] || { log "nothing was started here"; return 0; }
  while read -r daemon; do
    local pidfile="$run_dir/$daemon.pid"
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.25; done
      rm -f "$pidfile"
    fi
  done < "$run_dir/started"
  rm -f "$run_dir/started"
  log "stopped"
}

case "${1:-}" in
  start) locked start ;;
  stop) locked stop ;;
  status) answers ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
