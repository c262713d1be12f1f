#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every tier, prints one summary line.
#   lint:            Prettier formatting and typescript-eslint rules
#   unit + contract: Pulumi mocks, every provider module; Debian's cloud-init parser on the user data
#                    and the floors of the source tree (no import points up: test/unit/floors.test.ts)
#   package:         npm pack into a fresh program, SDK load isolation, the CLI
#   libvirt:         the libvirt provider's operations on a real libvirt daemon and QEMU guests
#   engine:          the real Pulumi engine (built offline) on the development stack, inline programs,
#                    an interrupted up, and stack states of earlier releases
#   kubevirt:        the KubeVirt provider through the real engine and pulumi-resource-kubernetes plugin
#                    against a loopback kube-apiserver (+ etcd, kube-controller-manager) that validates
#                    with KubeVirt's own CRD schemas; the `machina validate` probe on it
#   vsphere:         the vsphere provider through the engine against VMware's vCenter simulator (vcsim,
#                    built from the govmomi Go module and cached), on 127.0.0.1
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(bash scripts/setup-node.sh):$PATH"
export PATH
results=.test-results
rm -rf "$results" && mkdir -p "$results"

[ -x node_modules/.bin/vitest ] || npm ci --no-audit --no-fund
npm run build --silent
bash scripts/link-self.sh

status=0
skipped_tiers=()
run_tier() {
  local tier=$1; shift
  echo "== $tier"
  npx vitest run "$@" --reporter=default --reporter=json --outputFile="$results/$tier-report.json" || status=1
}
# Prettier and typescript-eslint (eslint.config.mjs); `npm run format` fixes what they report.
echo "== lint"
npm run lint --silent || status=1
# The whole tree type-checked, tests and examples included (the build checks only what it emits).
echo "== typecheck"
npm run typecheck --silent || status=1

# Debian's cloud-init, unpacked into a cache and never installed, reads the user data every provider
# sends (test/unit/cloud-init-*.test.ts). Without it those tests fail and say why.
echo "== cloud-init parser"
if MACHINA_CLOUD_INIT_PYTHONPATH=$(bash scripts/setup-cloud-init.sh); then
  export MACHINA_CLOUD_INIT_PYTHONPATH
else
  status=1
fi
run_tier unit test/unit test/contract
run_tier package test/package

# Real libvirt needs root here (daemon, qemu.conf, debootstrap). Anything else is a failure, not a skip.
if [ "$(id -u)" != 0 ]; then
  skipped_tiers+=("libvirt, engine and vsphere: need root to run libvirtd and build the guest image (run the tests as root, as CI does)")
else
  echo "== libvirt setup"
  t0=$(date +%s)
  bash scripts/libvirt-daemon.sh start
  trap 'bash scripts/libvirt-daemon.sh stop' EXIT
  bash scripts/build-image.sh >/dev/null
  echo "libvirt setup took $(( $(date +%s) - t0 )) s"
  run_tier libvirt test/e2e --fileParallelism=false
  echo "== engine setup"
  PATH="$(bash scripts/setup-engine.sh):$PATH"
  export PATH
  run_tier engine test/engine --fileParallelism=false
  # vcsim answers the vSphere SOAP and tagging REST APIs on loopback; the engine above drives it.
  echo "== vsphere setup"
  t0=$(date +%s)
  if MACHINA_VCSIM=$(bash scripts/setup-vcsim.sh | tail -1); then
    export MACHINA_VCSIM
    echo "vsphere setup took $(( $(date +%s) - t0 )) s"
    run_tier vsphere test/vsphere --fileParallelism=false
  else
    status=1
  fi
fi

# KubeVirt for real: a control plane on 127.0.0.1 and the Kubernetes provider plugin, both built from
# their Go modules once per machine (scripts/setup-kubernetes*.sh; about 8 and 10 minutes on 2 cores),
# KubeVirt's CRDs generated from its Go module. Needs no root.
echo "== kubevirt setup"
kubevirt_setup() {
  local t0 t1
  t0=$(date +%s)
  bash scripts/setup-kubernetes.sh >/dev/null || return 1
  t1=$(date +%s); echo "kubevirt setup: control plane (etcd, kube-apiserver, kube-controller-manager) $(( t1 - t0 )) s"
  t0=$t1
  kube_plugin=$(bash scripts/setup-kubernetes-provider.sh | tail -1) || return 1
  t1=$(date +%s); echo "kubevirt setup: pulumi-resource-kubernetes $(( t1 - t0 )) s"
  t0=$t1
  bash scripts/setup-kubevirt-crds.sh >/dev/null || return 1
  kube_engine=$(bash scripts/setup-engine.sh | tail -1) || return 1
  t1=$(date +%s); echo "kubevirt setup: KubeVirt CRDs and the engine $(( t1 - t0 )) s"
}
if kubevirt_setup; then
  PATH="$kube_plugin:$kube_engine:$PATH" PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
    run_tier kubevirt test/kubevirt --fileParallelism=false
else
  echo "kubevirt setup failed: the kubevirt tier did not run"
  status=1
fi

[ -f "$results/timings.jsonl" ] && { echo "== timings"; cat "$results/timings.jsonl"; }
for reason in "${skipped_tiers[@]}"; do echo "skipped tier: $reason"; done
node scripts/summarize-tests.js "$results"/*-report.json
exit $status
