#!/bin/sh
# Make a busybox root file system in DIR from Debian's busybox-static (no network needed):
#   scripts/busybox-rootfs.sh DIR && store import DIR busybox
set -eu
dir=${1:?usage: busybox-rootfs.sh DIR}
bb=$(command -v busybox || true)
[ -n "$bb" ] || { echo "busybox-rootfs.sh: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
mkdir -p "$dir/bin" "$dir/sbin" "$dir/usr/bin" "$dir/usr/sbin" "$dir/etc" "$dir/tmp" "$dir/root" "$dir/home/app" "$dir/proc" "$dir/dev" "$dir/sys"
cp "$bb" "$dir/bin/busybox"
chroot "$dir" /bin/busybox --install -s
chmod 1777 "$dir/tmp"
cat > "$dir/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$dir/etc/group" <<'G'
root:x:0:
app:x:1000:
nogroup:x:65534:
G
chown 1000:1000 "$dir/home/app"
