#!/bin/bash
# Runs inside the test guest (as root, by its job-runner; test/guest-vm.mjs boots it):
# every dist/test/guest/*.test.js of the share with the guest's Node against the
# self-contained tsrunc, one after the other. Per file: results/<name>.out (stdout and
# stderr), .rc, .seconds. Exit non-zero only when the suite could not start at all.
set -u
IN=/mnt/job/in
OUT=/mnt/job/out
SUITE=/root/suite
mkdir -p "$OUT/results"
{
  echo "guest: $(uname -r), node $(node --version 2>&1), systemd $(systemctl is-system-running 2>&1)"
  echo "cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
} > "$OUT/guest-info.txt" 2>&1
command -v node >/dev/null || { echo "the guest has no node" >&2; exit 3; }
# local disk, not the 9p share: faster, and a rootfs with ordinary file semantics
mkdir -p "$SUITE"
cp -a "$IN/." "$SUITE/" || { echo "copying the share failed" >&2; exit 3; }
chmod 0755 "$SUITE/dist/tsrunc"
cd "$SUITE"
for f in dist/test/guest/*.test.js; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .test.js)
  t0=$(date +%s.%N)
  TSRUNC_BIN="$SUITE/dist/tsrunc" FORCE_COLOR=0 timeout --kill-after=10 "${GUEST_FILE_TIMEOUT:-900}" \
    node "$f" > "$OUT/results/$name.out" 2>&1 < /dev/null
  echo $? > "$OUT/results/$name.rc"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f\n", b-a}' > "$OUT/results/$name.seconds"
done
exit 0
