#!/usr/bin/env bash
# A libvirt daemon for the libvirt provider and its tests, on a machine without systemd.
#   start:  install what is missing (Debian packages), then start virtlogd and libvirtd unless a
#           daemon already answers on qemu:///system; remembers what it started
#   stop:   stop only what `start` started
#   status: exit 0 when qemu:///system answers
# QEMU runs as root: with a root-only /dev/kvm and QEMU as libvirt-qemu, libvirt re-probes QEMU on
# every define (measured: 48 s each, against 0.4 s as root).
set -euo pipefail
run_dir=${MACHINA_LIBVIRT_RUN_DIR:-/run/machina-libvirt}
uri=qemu:///system
log() { echo "libvirt-daemon: $*" >&2; }

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
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  id libvirt-qemu >/dev/null 2>&1 || useradd --system --no-create-home --gid libvirt-qemu --shell /usr/sbin/nologin libvirt-qemu
  local conf=/etc/libvirt/qemu.conf
  if ! grep -q '^user = "root"' "$conf" 2>/dev/null; then
    printf '\n# machina: QEMU as root (see scripts/libvirt-daemon.sh)\nuser = "root"\ngroup = "root"\n' >> "$conf"
  fi
  mkdir -p "$run_dir" /var/log/libvirt /var/lib/libvirt/qemu /var/lib/libvirt/images
  cat > "$run_dir/libvirtd.conf" <<CONF
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
}

start() {
  install_missing
  if answers; then
    # Someone else's daemon (or an earlier start's): this invocation did not start it, so its stop
    # must leave it running.
    log "a libvirt daemon already answers on $uri"
    rm -f "$run_dir/started"
    return 0
  fi
  configure
  local t0
  t0=$(date +%s%N)
  : > "$run_dir/started"
  if ! pgrep -x virtlogd >/dev/null; then
    virtlogd -d -p "$run_dir/virtlogd.pid"
    echo virtlogd >> "$run_dir/started"
  fi
  libvirtd -d --config "$run_dir/libvirtd.conf" -p "$run_dir/libvirtd.pid"
  echo libvirtd >> "$run_dir/started"
  for _ in $(seq 1 60); do
    if answers; then
      log "libvirtd started in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
      return 0
    fi
    sleep 0.5
  done
  log "libvirtd did not answer within 30 s; last log lines:"
  tail -20 /var/log/libvirt/libvirtd.log >&2 || true
  return 1
}

stop() {
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
  start) start ;;
  stop) stop ;;
  status) answers ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
