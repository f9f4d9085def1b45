#!/usr/bin/env bash
# Assembles a minimal busybox root filesystem in DIR from Debian's busybox-static.
# Idempotent: a stamp file records the layout version and the busybox binary it
# was built from; when both match, nothing is done.
# Usage: scripts/make-rootfs.sh DIR
set -euo pipefail

die() { echo "make-rootfs: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: make-rootfs.sh DIR"
DIR=$1
BUSYBOX=${BUSYBOX:-/bin/busybox}
LAYOUT_VERSION=1
STAMP_NAME=.tsrunc-rootfs-stamp

[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (apt-get install busybox-static)"
# A dynamically linked busybox would need its libraries inside the rootfs.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  die "$BUSYBOX is dynamically linked; install busybox-static"
fi

want_stamp="layout=$LAYOUT_VERSION busybox=$(sha256sum "$BUSYBOX" | cut -d' ' -f1)"
if [ -f "$DIR/$STAMP_NAME" ] && [ "$(cat "$DIR/$STAMP_NAME")" = "$want_stamp" ]; then
  echo "make-rootfs: $DIR is up to date"
  exit 0
fi

# Never replace a directory this script did not create.
if [ -e "$DIR" ]; then
  [ -d "$DIR" ] || die "$DIR exists and is not a directory"
  if [ ! -f "$DIR/$STAMP_NAME" ] && [ -n "$(ls -A "$DIR")" ]; then
    die "$DIR is not empty and was not made by make-rootfs.sh; remove it first"
  fi
fi

parent=$(dirname "$DIR")
mkdir -p "$parent"
work=$(mktemp -d "$parent/.rootfs-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$work"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev root tmp var/tmp home/test
chmod 1777 tmp var/tmp
chmod 700 root
install -m 0755 "$BUSYBOX" bin/busybox

# One relative symlink per applet, at the path busybox itself reports
# (e.g. bin/ls, usr/bin/awk), so links stay valid inside and outside the container.
"$BUSYBOX" --list-full | while read -r applet; do
  case "$applet" in
    */*) ;;
    *) continue ;; # e.g. "linuxrc": not a path under a bin directory
  esac
  [ "$applet" = bin/busybox ] && continue
  up=..
  dir=${applet%/*}
  while [[ $dir == */* ]]; do up=../$up; dir=${dir%/*}; done
  ln -sfn "$up/bin/busybox" "$applet"
done

cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
test:x:1000:1000:test user:/home/test:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > etc/group <<'EOF'
root:x:0:
tty:x:5:
test:x:1000:
nogroup:x:65534:
EOF
echo tsrunc > etc/hostname
cat > etc/hosts <<'EOF'
127.0.0.1	localhost
::1	localhost
EOF
chown 1000:1000 home/test
echo "$want_stamp" > "$STAMP_NAME"
cd - >/dev/null

# Swap in the finished tree so an interrupted run never leaves a half-built rootfs.
if [ -e "$DIR" ]; then
  old="$work.old"
  mv "$DIR" "$old"
  mv "$work" "$DIR"
  rm -rf "$old"
else
  mv "$work" "$DIR"
fi
chmod 0755 "$DIR"
trap - EXIT
echo "make-rootfs: built $DIR ($(find "$DIR" -type l | wc -l) applet links)"
