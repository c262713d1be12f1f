#!/usr/bin/env bash
# Makes a loopback Kubernetes control plane available offline for the kubevirt test tier:
#   - etcd from Debian's etcd-server package, unpacked (apt-get download + dpkg-deb -x), never installed;
#   - kube-apiserver and kube-controller-manager built in one `go build` from k8s.io/kubernetes.
# Each is cached by version under ${XDG_CACHE_HOME:-~/.cache}/machina/<thing>/v<version>, so a fresh
# clone on the same machine reuses the build. Prints one directory holding all three as its last line.
set -euo pipefail
log() { echo "setup-kubernetes: $*" >&2; }

k8s_version=${MACHINA_KUBERNETES_VERSION:-1.33.3}
cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/machina

# --- etcd: the version is whatever Debian's archive offers; the cache is keyed by it.
etcd_version=$(apt-cache policy etcd-server 2>/dev/null | awk '/Candidate:/ {print $2}')
if [ -z "$etcd_version" ] || [ "$etcd_version" = "(none)" ]; then
  log "no etcd-server package known to apt; run apt-get update (Debian 12 ships etcd 3.4)"
  exit 1
fi
etcd_dir="$cache_root/etcd/v${etcd_version//[:+~]/_}"
if [ ! -x "$etcd_dir/etcd" ]; then
  start=$(date +%s)
  work=$(mktemp -d)
  (cd "$work" && apt-get download "etcd-server=$etcd_version" >&2)
  dpkg-deb -x "$work"/etcd-server_*.deb "$work/root"
  rm -rf "$etcd_dir.tmp" && mkdir -p "$etcd_dir.tmp"
  install -m 0755 "$work/root/usr/bin/etcd" "$etcd_dir.tmp/etcd"
  rm -rf "$work" "$etcd_dir" && mv "$etcd_dir.tmp" "$etcd_dir"
  log "etcd $etcd_version unpacked in $(( $(date +%s) - start )) s"
fi

# --- kube-apiserver and kube-controller-manager.
k8s_dir="$cache_root/kubernetes/v$k8s_version"
if [ ! -x "$k8s_dir/kube-apiserver" ] || [ ! -x "$k8s_dir/kube-controller-manager" ]; then
  command -v go >/dev/null 2>&1 || { log "Go >= 1.24 is needed to build kube-apiserver"; exit 1; }
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod
  start=$(date +%s)
  log "building kube-apiserver and kube-controller-manager v$k8s_version (first time only: about 8 minutes on 2 cores)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local paths, which a
  # dependency cannot do: the wrapper replaces each with its published v0.<minor>.<patch>. Two samples
  # are not published; nothing built here imports them, so empty local modules stand in.
  staging_version="v0.${k8s_version#1.}"
  {
    printf 'module machina.local/kubernetes\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes v%s\n\n' "$k8s_version"
    for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider \
      cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api \
      cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms \
      kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics \
      mount-utils pod-security-admission sample-apiserver; do
      printf 'replace k8s.io/%s => k8s.io/%s %s\n' "$m" "$m" "$staging_version"
    done
    for m in sample-cli-plugin sample-controller; do
      printf 'replace k8s.io/%s => ./stub/%s\n' "$m" "$m"
      mkdir -p "$work/stub/$m"
      printf 'module k8s.io/%s\n\ngo 1.24.0\n' "$m" > "$work/stub/$m/go.mod"
    done
  } > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n)\n' > "$work/tools.go"
  minor=${k8s_version#1.}; minor=${minor%%.*}
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  (
    cd "$work"
    go get "k8s.io/kubernetes@v$k8s_version" >&2
    rm -rf "$k8s_dir.tmp" && mkdir -p "$k8s_dir.tmp"
    go build -trimpath -ldflags "$ldflags" -o "$k8s_dir.tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager >&2
  )
  rm -rf "$k8s_dir" && mv "$k8s_dir.tmp" "$k8s_dir"
  log "kube-apiserver and kube-controller-manager built in $(( $(date +%s) - start )) s"
fi

# One directory with the three binaries (hard links; copies across file systems).
bin_dir="$cache_root/kubernetes/bin-v$k8s_version-etcd-${etcd_version//[:+~]/_}"
if [ ! -x "$bin_dir/etcd" ]; then
  rm -rf "$bin_dir.tmp" && mkdir -p "$bin_dir.tmp"
  for f in "$k8s_dir/kube-apiserver" "$k8s_dir/kube-controller-manager" "$etcd_dir/etcd"; do
    ln -f "$f" "$bin_dir.tmp/" 2>/dev/null || cp "$f" "$bin_dir.tmp/"
  done
  rm -rf "$bin_dir" && mv "$bin_dir.tmp" "$bin_dir"
fi
log "control plane ready in $bin_dir"
echo "$bin_dir"
