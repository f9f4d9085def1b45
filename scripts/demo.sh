#!/usr/bin/env bash
# Runs the busybox demo bundle through the container lifecycle:
# create → state → start → state → (wait for exit) → state → delete.
# TSRUNC selects the runtime binary (default dist/tsrunc, the self-contained build;
# TSRUNC=bin/tsrunc for the Node build, TSRUNC=runc compares).
set -euo pipefail

cd "$(dirname "$0")/.."

# Nothing on these machines reaps orphans, and a detached container's init is
# orphaned once `create` returns; run under a child subreaper so it is reaped.
if [ -z "${TSRUNC_DEMO_REAPER:-}" ] && command -v tini >/dev/null; then
  TSRUNC_DEMO_REAPER=1 exec tini -s -- "$0" "$@"
fi

TSRUNC=${TSRUNC:-dist/tsrunc}
ROOT=${TSRUNC_DEMO_ROOT:-/run/tsrunc-demo}
BUNDLE=bundles/busybox
ID=demo-$$

[ -d "$BUNDLE/rootfs/bin" ] || { echo "demo: $BUNDLE/rootfs missing; run scripts/setup.sh first" >&2; exit 1; }

NAME=$(basename "$TSRUNC")
run() {
  echo "\$ $NAME $*"
  "$TSRUNC" --root "$ROOT" "$@"
}
# state prints JSON; $(...) normalises the trailing newline so output stays tidy.
show_state() {
  echo "\$ $NAME state $ID"
  local out
  out=$("$TSRUNC" --root "$ROOT" state "$ID")
  printf '%s\n' "$out"
}
status() { "$TSRUNC" --root "$ROOT" state "$ID" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }

# Leave nothing behind when a step fails.
cleanup() { "$TSRUNC" --root "$ROOT" delete --force "$ID" >/dev/null 2>&1 || true; }
trap cleanup EXIT

run create --bundle "$BUNDLE" "$ID"
show_state
run start "$ID"
sleep 0.3
show_state

# The demo process exits after about a second.
for _ in $(seq 50); do
  [ "$(status)" = stopped ] && break
  sleep 0.1
done
show_state
run delete "$ID"
trap - EXIT
echo "demo: container $ID ran and was deleted"
