#!/usr/bin/env bash
# Builds the offline guest images from Debian packages, into a cache outside the checkout keyed by
# this recipe, and rebuilds only when the recipe changes:
#   debian-12/: a Debian 12 cloud-init guest (ext4 disk without partitions, Debian's kernel and a
#               busybox initramfs that mounts the disk, for direct kernel boot, OpenSSH with ed25519
#               host keys made on first boot, cloud-init NoCloud) - about 1.5 min with debootstrap
#   busybox/:   a busybox guest on the same kernel (boots in seconds; answers on port 22 with an SSH
#               banner; powers off on the ACPI button; keeps files on its disk, vda, which it formats
#               on first boot and mounts at /data, served on port 80: GET /data/<file>, and
#               POST /cgi-bin/put?<file> stores the request body), for lifecycle tests that need no cloud-init
# Prints the image directory as its last line. Needs root (debootstrap, chroot) and the Debian tools
# debootstrap, e2fsprogs, qemu-utils and cpio, which it installs when missing.
#
# The cache is shared by every checkout on the machine, and each checkout uses its own recipe's image
# (guests' disks are copy-on-write over it). Each use touches <hash>/last-used (this script, and the
# libvirt provider when it resolves offline:<name>). A build removes another recipe's image only when
# all of these hold: it is not among the MACHINA_IMAGE_KEEP (3) most recently used, its last use is
# more than MACHINA_IMAGE_KEEP_DAYS (2) days old, and no process has a file of it open.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "build-image: $*" >&2; }

recipe_hash=$(sha256sum "$here/build-image.sh" | cut -c1-12)
cache=${MACHINA_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/machina/images}
out="$cache/$recipe_hash"

# Other recipes' images may be in use by other checkouts (their tests, their development stacks):
# free the space of only those that are old, idle and not open (see the top of this file).
in_use() { # a process has a file under $1 open (a running guest's disk chain, a kernel being read)
  [ -n "$(find /proc/[0-9]*/fd -maxdepth 1 -lname "$1/*" -print -quit 2>/dev/null)" ]
}
last_used() { # seconds since the epoch; an image of an older recipe has no stamp: its build counts
  if [ -f "$1/last-used" ]; then stat -c %Y "$1/last-used"; else stat -c %Y "$1/kernel-version"; fi
}
prune_other_recipes() {
  local keep=${MACHINA_IMAGE_KEEP:-3} keep_days=${MACHINA_IMAGE_KEEP_DAYS:-2} now rank=0 used dir
  now=$(date +%s)
  for dir in "$cache"/*/; do
    dir=${dir%/}
    if [ -f "$dir/kernel-version" ]; then printf '%s\t%s\n' "$(last_used "$dir")" "$dir"; fi
  done | sort -rn | while IFS=$'\t' read -r used dir; do
    rank=$((rank + 1))
    [ "$dir" != "$out" ] && [ "$rank" -gt "$keep" ] && [ $((now - used)) -gt $((keep_days * 86400)) ] || continue
    if in_use "$dir"; then log "kept $dir: a process has it open"; continue; fi
    log "removing $dir (another recipe's image, unused for more than $keep_days days)"
    rm -rf "$dir"
  done
}

if [ -f "$out/debian-12/disk.qcow2" ] && [ -f "$out/busybox/initrd.img" ] && [ -z "${MACHINA_REBUILD_IMAGE:-}" ]; then
  touch "$out/last-used" 2>/dev/null || true
  prune_other_recipes
  log "cached: $out"
  echo "$out"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "build-image: run as root (debootstrap and chroot need it)" >&2; exit 1; }

missing=()
for tool in debootstrap:debootstrap mkfs.ext4:e2fsprogs qemu-img:qemu-utils cpio:cpio; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The Debian mirror this machine's apt already uses (MACHINA_DEBIAN_MIRROR overrides).
mirror=${MACHINA_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi
[ -n "$mirror" ] || { echo "build-image: no Debian mirror found in apt sources; set MACHINA_DEBIAN_MIRROR" >&2; exit 1; }

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/machina-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
packages=cloud-init,openssh-server,systemd-sysv,udev,dbus,linux-image-cloud-amd64,initramfs-tools,python3-cffi-backend,ifupdown,isc-dhcp-client,iproute2,netbase,sudo,busybox-static
log "debootstrap bookworm (minbase + $packages)"
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log" >&2; exit 1; }

# Each machine gets its own identity: no baked host keys or machine id. The dbus package wrote a
# D-Bus machine id during debootstrap, from which systemd would give every machine the same id; as a
# link to /etc/machine-id, systemd makes it from the domain's UUID on first boot.
rm -f "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"
ln -sf /etc/machine-id "$root/var/lib/dbus/machine-id"
echo "/dev/vda / ext4 defaults,discard 0 1" > "$root/etc/fstab"
echo "debian" > "$root/etc/hostname"
# cloud-init comes up clean (`cloud-init status --wait` exits 0): the config stage is Debian's list
# without the modules this offline image cannot run: locale (no locales are generated), grub-dpkg
# (no grub: direct kernel boot) and set-passwords (passwords are locked, SSH keys only). /etc/hosts
# names the host, so sudo resolves it. Only the NoCloud seed is looked for.
# One host key type, ed25519: generating RSA and ECDSA keys cost seconds of emulated CPU on the way to SSH.
cat > "$root/etc/cloud/cloud.cfg.d/90-machina.cfg" <<'CFG'
datasource_list: [NoCloud, None]
manage_etc_hosts: true
ssh_genkeytypes: [ed25519]
cloud_config_modules: [snap, ssh-import-id, keyboard, apt-pipelining, apt-configure, ntp, timezone, disable-ec2-metadata, runcmd, byobu]
CFG
# The power button (ACPI) shuts the guest down: systemd-logind handles it (evdev and button modules
# load through udev) and needs D-Bus, hence the dbus package. Without it, every graceful stop waited
# the whole timeout and was then forced.
mkdir -p "$root/etc/systemd/logind.conf.d"
printf '[Login]\nHandlePowerKey=poweroff\nPowerKeyIgnoreInhibited=yes\n' > "$root/etc/systemd/logind.conf.d/90-machina.conf"
# A guest has one vCPU, emulated here: jobs nothing needs at boot are masked so that they do not take
# it from cloud-init and sshd (e2scrub_reap alone took 17 s of it), nor run later in a test.
# So are the module loads systemd starts for devices this guest has not (drm, efi_pstore; loop and
# dm_mod load on first use of their device nodes, like fuse and configfs would).
for unit in e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
  modprobe@drm.service modprobe@efi_pstore.service modprobe@loop.service modprobe@dm_mod.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# Every process costs tens of milliseconds of the emulated vCPU (measured: 70 ms for /bin/true), and
# all of the boot until sshd listens keeps that one vCPU busy, so work before it is what delays the
# SSH banner:
# - systemd generators that find nothing on this image (no encrypted, verity or integrity volumes,
#   no GPT, no hibernation, no SysV scripts without units, no rc.local): about 1 s of the boot
mkdir -p "$root/etc/systemd/system-generators"
for generator in cryptsetup debug gpt-auto hibernate-resume integritysetup rc-local run system-update sysv veritysetup; do
  ln -sf /dev/null "$root/etc/systemd/system-generators/systemd-$generator-generator"
done
# - the IDE (PIIX) controller of QEMU's pc machine, where this guest has no disk (its disks are
#   virtio), and the K8 frequency driver that QEMU's AMD CPU model asks for and that then fails: 0.7 s
printf 'blacklist ata_piix\nblacklist ata_generic\nblacklist powernow_k8\n' > "$root/etc/modprobe.d/machina.conf"
# - sshd checks its configuration before it starts (ExecStartPre), and again as it starts: once is enough
mkdir -p "$root/etc/systemd/system/ssh.service.d"
printf '[Service]\nExecStartPre=\n' > "$root/etc/systemd/system/ssh.service.d/machina.conf"
# - what starts with sshd but nothing needs before it (D-Bus and logind, the gettys, cloud-init's
#   config stage) starts after it, instead of taking the vCPU from it. sshd still starts only after
#   cloud-init's network stage (keys and users in place); cloud-config.target still holds the rest.
for unit in dbus.service systemd-logind.service getty@.service serial-getty@.service cloud-config.service; do
  mkdir -p "$root/etc/systemd/system/$unit.d"
  printf '[Unit]\nAfter=ssh.service\n' > "$root/etc/systemd/system/$unit.d/machina-after-ssh.conf"
done
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

mkdir -p "$work/debian-12" "$work/busybox"
kernel=$(ls "$root"/boot/vmlinuz-* | head -1)
kver=${kernel##*/vmlinuz-}
cp "$kernel" "$work/debian-12/vmlinuz"
# quiet: every console byte is an emulated UART write under TCG (the log still has systemd's failures).
echo "root=/dev/vda rw console=ttyS0 net.ifnames=0 quiet" > "$work/debian-12/cmdline"

log "ext4 disk image"
mkfs.ext4 -q -F -L root -d "$root" "$work/disk.raw" 2G
qemu-img convert -O qcow2 "$work/disk.raw" "$work/debian-12/disk.qcow2"
rm -f "$work/disk.raw"

log "busybox guest"
initrd="$work/initrd"
mkdir -p "$initrd"/{bin,proc,sys,dev,lib/modules}
cp "$root/bin/busybox" "$initrd/bin/busybox"
# virtio-net and what it needs, in load order (a module missing here is built into the kernel); the
# ACPI power button and evdev, so that the button reaches the guest as an input event.
busybox_modules="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net virtio_blk button evdev"
for mod in $busybox_modules; do
  f=$(find "$root/lib/modules/$kver/kernel" -name "$mod.ko" -o -name "$mod.ko.xz" | head -1)
  case "$f" in
    *.xz) xz -dc "$f" > "$initrd/lib/modules/$mod.ko" ;;
    ?*) cp "$f" "$initrd/lib/modules/$mod.ko" ;;
  esac
done
echo "$busybox_modules" > "$initrd/lib/modules/order"
cat > "$initrd/bin/banner" <<'SH'
#!/bin/busybox sh
echo "SSH-2.0-machina_busybox"
SH
cat > "$initrd/init" <<'SH'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko; done
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
# The ACPI power button (virsh shutdown presses it): its first event powers the guest off, cleanly.
for ev in /sys/class/input/event*; do
  grep -q "Power Button" "$ev/device/name" 2>/dev/null || continue
  (dd if="/dev/input/${ev##*/}" bs=24 count=1 2>/dev/null; echo "machina-busybox: power button, powering off" > /dev/console; sync; poweroff -f) &
done
# The disk (vda) keeps files across boots: an ext2 filesystem made on a blank disk (no superblock magic), at /data.
if [ -b /dev/vda ]; then
  [ "$(dd if=/dev/vda bs=2 skip=540 count=1 2>/dev/null | hexdump -v -e '2/1 "%02x"')" = 53ef ] || mke2fs /dev/vda >/dev/null 2>&1
  mount -t ext4 /dev/vda /data && echo "machina-busybox: /data mounted" > /dev/console
fi
httpd -p 80 -h /www
echo "machina-busybox: up with $(grep -c ^processor /proc/cpuinfo) cpu(s)" > /dev/console
nc -ll -p 22 -e /bin/banner &
while true; do sleep 3600; done
SH
mkdir -p "$initrd/www/cgi-bin" "$initrd/data"
ln -s /data "$initrd/www/data"
# POST /cgi-bin/put?<file>: the body becomes /data/<file>, written whole (a temporary name, then renamed) and synced.
cat > "$initrd/www/cgi-bin/put" <<'SH'
#!/bin/busybox sh
PATH=/bin
name=$QUERY_STRING
case "$name" in ""|*[!A-Za-z0-9._-]*|.*)
  printf 'Status: 400 Bad Request\r\nContent-Type: text/plain\r\n\r\na file name of letters, digits, . _ -\n'; exit 0 ;;
esac
head -c "${CONTENT_LENGTH:-0}" > "/data/.$name.part" && mv "/data/.$name.part" "/data/$name" && sync
printf 'Content-Type: text/plain\r\n\r\nstored %s\n' "$name"
SH
chmod +x "$initrd/init" "$initrd/bin/banner" "$initrd/www/cgi-bin/put"
(cd "$initrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/busybox/initrd.img"
cp "$work/debian-12/vmlinuz" "$work/busybox/vmlinuz"

# The Debian guest's initramfs (direct kernel boot, so the guest's own /boot is not used): busybox
# loads the root disk's modules (ext4 is built into the kernel), mounts it and hands over to systemd.
# Debian's initramfs-tools one (udev, fsck of a journaled ext4 the kernel replays anyway) took 2.5 s
# of emulated CPU more on every boot.
dinitrd="$work/dinitrd"
mkdir -p "$dinitrd"/{bin,proc,sys,dev,root,lib/modules}
cp "$root/bin/busybox" "$dinitrd/bin/busybox"
disk_modules="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk"
for mod in $disk_modules; do
  [ -f "$initrd/lib/modules/$mod.ko" ] && cp "$initrd/lib/modules/$mod.ko" "$dinitrd/lib/modules/"
done
echo "$disk_modules" > "$dinitrd/lib/modules/order"
cat > "$dinitrd/init" <<'SH'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko; done
rootdev=/dev/vda mode=ro
for arg in $(cat /proc/cmdline); do
  case "$arg" in root=/dev/*) rootdev=${arg#root=} ;; rw) mode=rw ;; esac
done
n=0
while [ ! -b "$rootdev" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
if ! mount -t ext4 -o "$mode" "$rootdev" /root; then
  echo "machina-initramfs: cannot mount $rootdev; powering off" > /dev/console
  poweroff -f
fi
mount --move /dev /root/dev
umount /sys /proc
exec switch_root /root /sbin/init
SH
chmod +x "$dinitrd/init"
(cd "$dinitrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/debian-12/initrd.img"
echo "console=ttyS0 quiet" > "$work/busybox/cmdline"
echo "$kver" > "$work/kernel-version"

mkdir -p "$cache"
touch "$work/last-used"
rm -rf "$out.tmp" && mv "$work" "$out.tmp" && rm -rf "$out.tmp/rootfs" "$out.tmp/initrd" "$out.tmp/dinitrd" && rm -rf "$out" && mv "$out.tmp" "$out"
trap - EXIT

prune_other_recipes
log "built in $(( $(date +%s) - start )) s: $out ($(du -sh "$out" | cut -f1))"
echo "$out"
