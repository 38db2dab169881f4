#!/usr/bin/env bash
# Regenerates purelb.order.gz, the order in which ILC lays out managed methods (IlcOrderFile): the methods the
# allocator and the agent run, packed together at the front of the code. Run after changes that add or rename much
# code; a stale order only costs memory (new methods land in the cold part), never correctness.
#
# How: publish an unstripped binary, put one stripped copy per role on a loop-mounted file system with readahead
# off, drop the page cache, run the bench's allocator and agent groups once against those copies, then ask
# mincore(2) which pages of each copy are cached: exactly the pages that role touched. method-order.py turns pages
# into method names. Needs root (mount, drop_caches) and drops this machine's page cache.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
[ "$(id -u)" -eq 0 ] || { echo "method-order.sh needs root (loop mount, drop_caches)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/purelb-order.XXXXXX)
MNT="$WORK/mnt"
cleanup() {
  mountpoint -q "$MNT" && umount "$MNT"
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "==> unstripped native-AOT publish" >&2
dotnet publish purelb.csproj -c Release -r linux-x64 -o "$WORK/bin" -nologo -clp:ErrorsOnly \
  -p:StripSymbols=false -p:IntermediateOutputPath="$WORK/obj/"

truncate -s 256M "$WORK/fs.img"
mkfs.ext4 -q -F "$WORK/fs.img"
mkdir -p "$MNT"
mount -o loop "$WORK/fs.img" "$MNT"
dev=$(findmnt -n -o MAJ:MIN "$MNT" | tr -d " ")
echo 0 > "/sys/class/bdi/$dev/read_ahead_kb"
for role in allocator agent; do
  mkdir -p "$MNT/$role"
  strip -o "$MNT/$role/purelb" "$WORK/bin/purelb"
done
# The bench starts "purelb <role> ..."; each role runs its own copy, so each copy's page cache is one role's.
cat > "$WORK/purelb" <<WRAP
#!/bin/sh
case "\$1" in
  allocator|agent) exec "$MNT/\$1/purelb" "\$@" ;;
  *) exec "$WORK/bin/purelb" "\$@" ;;
esac
WRAP
chmod +x "$WORK/purelb"

sync
echo 3 > /proc/sys/vm/drop_caches
echo "==> allocator and agent workloads (bench, one trial, nothing reported)" >&2
dotnet run --project bench/Purelb.Bench -c Release -- --root "$ROOT" --binary "$WORK/purelb" --only allocator,agent \
  --trials 1 --no-report >/dev/null

python3 bench/method-order.py "$WORK/bin/purelb" "$WORK/purelb.order" "$MNT/allocator/purelb" "$MNT/agent/purelb"
gzip -9nc "$WORK/purelb.order" > purelb.order.gz
ls -l purelb.order.gz
