#!/bin/sh
# createRuntime hook: connects a container's network namespace to a bridge
# that lives in another network namespace, through a veth pair.
#
#   netns-bridge-hook.sh BRIDGE_NETNS BRIDGE ADDRESS/PREFIX
#
#   BRIDGE_NETNS    a named network namespace (`ip netns add`) holding BRIDGE
#   BRIDGE          the bridge the container's veth peer is attached to
#   ADDRESS/PREFIX  the container's eth0 address, e.g. 10.200.0.2/24
#
# The runtime writes the container state (JSON) on stdin; only its pid (the
# init's host pid) is used. Both veth ends are created in BRIDGE_NETNS, so
# nothing ever appears in the host's network namespace, and the kernel
# deletes the pair when the container's network namespace goes away.
# Needs: POSIX sh, ip (iproute2), nsenter (util-linux), jq or sed.
set -eu
# Hooks get exactly their configured environment: there may be no PATH.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

die() { echo "netns-bridge-hook: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: netns-bridge-hook.sh BRIDGE_NETNS BRIDGE ADDRESS/PREFIX"
netns=$1 bridge=$2 address=$3

state=$(cat)
if command -v jq >/dev/null 2>&1; then
  pid=$(printf '%s' "$state" | jq -r '.pid // empty')
else
  pid=$(printf '%s' "$state" | sed -n 's/.*"pid"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p')
fi
case $pid in
  '' | *[!0-9]*) die "no pid in the container state on stdin" ;;
esac
[ -e "/proc/$pid/ns/net" ] || die "process $pid is gone"

# Interface names have at most 15 bytes; the init's host pid makes them unique.
bridge_end=veth$pid
container_end=vpeer$pid

ip -n "$netns" link add "$bridge_end" type veth peer name "$container_end"
# From here on a failure removes the pair (deleting one end deletes both).
trap 'ip -n "$netns" link del "$bridge_end" 2>/dev/null || true' EXIT
ip -n "$netns" link set "$bridge_end" master "$bridge" up
ip -n "$netns" link set "$container_end" netns "$pid" name eth0

in_container() { nsenter --net="/proc/$pid/ns/net" "$@"; }
in_container ip link set lo up
in_container ip addr add "$address" dev eth0
in_container ip link set eth0 up
trap - EXIT
