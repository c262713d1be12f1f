#!/usr/bin/env bash
# Makes Debian's cloud-init available to the tests WITHOUT installing it: installed, its boot services
# would rewrite this host's network and users. The package and the Python packages its user-data code
# imports are fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a cache keyed by
# cloud-init's version. Prints the directory to put on PYTHONPATH as its last line; run Python as
# `/usr/bin/python3 -S` (Debian's, which the packages are built for; -S keeps the host's own
# site-packages out).
set -euo pipefail
log() { echo "setup-cloud-init: $*" >&2; }
fail() { log "$*"; exit 1; }

python=/usr/bin/python3
[ -x "$python" ] || fail "$python is missing: the cloud-init tests need Debian's python3 (apt-get install python3)"
command -v apt-get >/dev/null 2>&1 || fail "apt-get is missing: the cloud-init tests need a Debian or Ubuntu host"

cache_root=${MACHINA_CLOUD_INIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/machina/cloud-init}
# What cloud-init's MIME and cloud-config code imports beyond the standard library: yaml (safeyaml),
# requests (url_helper, for #include), jsonpatch (the cloud-config handler). Their own Python
# dependencies are added from the package lists below.
roots=(python3-yaml python3-requests python3-jsonpatch)

candidate() {
  apt-cache policy cloud-init 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '^(none)$' || true
}

# The unpacked tree is complete once the import check passed and wrote the marker.
pythonpath_of() { echo "$cache_root/$1/root/usr/lib/python3/dist-packages"; }
ready() { [ -f "$cache_root/$1/.complete" ]; }

version=$(candidate)
if [ -n "$version" ] && ready "$version"; then
  pythonpath_of "$version"
  exit 0
fi
if [ -z "$version" ] && [ -d "$cache_root" ]; then
  newest=$(ls -1 "$cache_root" 2>/dev/null | grep -v '\.tmp$' | sort -V | tail -1 || true)
  if [ -n "$newest" ] && ready "$newest"; then
    log "no package lists to ask for cloud-init's version; using the cached $newest"
    pythonpath_of "$newest"
    exit 0
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"

download() {
  (cd "$work" && apt-get download "$@") >"$work/download.log" 2>&1
}
# The Python packages the roots depend on, found in the package lists (no download).
python_closure() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances --no-pre-depends "${roots[@]}" 2>/dev/null \
    | grep -E '^python3-' | sort -u
}

if ! download cloud-init; then
  if grep -qE 'Unable to locate package|has no installation candidate|No packages found' "$work/download.log"; then
    [ "$(id -u)" = 0 ] || fail "the package lists do not know cloud-init; run 'apt-get update' as root first"
    log "the package lists do not know cloud-init: running apt-get update"
    apt-get update -qq >&2 || fail "apt-get update failed"
    download cloud-init || { cat "$work/download.log" >&2; fail "apt-get download cloud-init failed"; }
  else
    cat "$work/download.log" >&2
    fail "apt-get download cloud-init failed"
  fi
fi
version=$(dpkg-deb -f "$work"/cloud-init_*.deb Version)
if ready "$version"; then
  pythonpath_of "$version"
  exit 0
fi

mapfile -t packages < <(python_closure)
[ "${#packages[@]}" -gt 0 ] || fail "apt-cache found no Python packages for ${roots[*]}"
download "${packages[@]}" || { cat "$work/download.log" >&2; fail "apt-get download ${packages[*]} failed"; }

target="$cache_root/$version"
rm -rf "$target.tmp" && mkdir -p "$target.tmp/root"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$target.tmp/root"
done
"$python" -S -c 'import sys; sys.path.insert(0, sys.argv[1])
from cloudinit import user_data, helpers, handlers
from cloudinit.handlers.cloud_config import CloudConfigPartHandler' "$target.tmp/root/usr/lib/python3/dist-packages" \
  || fail "cloud-init $version does not import from the unpacked packages (${packages[*]}); a dependency is missing"
(cd "$work" && ls -1 *.deb) >"$target.tmp/packages"
touch "$target.tmp/.complete"
rm -rf "$target" && mv "$target.tmp" "$target"
log "cloud-init $version unpacked into $target (not installed)"
pythonpath_of "$version"
