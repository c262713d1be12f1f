#!/usr/bin/env bash
# The main job: sets up everything (npm packages, the Pulumi engine, libvirt and QEMU, the offline
# Debian image, an SSH key) and brings up the development stack on this machine's libvirt, with its
# state in .pulumi-state/. Prints each machine's address and SSH command.
#   ./scripts/dev.sh            up
#   ./scripts/dev.sh destroy    tear it down again
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(bash scripts/setup-node.sh):$PATH"
export PATH
action=${1:-up}

[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund
npm run build --silent
bash scripts/link-self.sh
PATH="$(bash scripts/setup-engine.sh):$PATH"
export PATH
bash scripts/libvirt-daemon.sh start
bash scripts/build-image.sh >/dev/null

key=${MACHINA_SSH_KEY:-$HOME/.ssh/machina_dev_ed25519}
if [ ! -f "$key" ]; then
  mkdir -p "$(dirname "$key")"
  ssh-keygen -q -t ed25519 -N "" -C "machina-dev" -f "$key"
fi

node dist/automation/cli.js "$action" --environment development --ssh-key-file "$key.pub"
[ "$action" = up ] && echo "log in with: ssh -i $key -p <port> machina@127.0.0.1 (the ssh line above, plus -i $key)"
