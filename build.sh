#!/usr/bin/env bash
# purelb build entry point. Every subcommand does its own set-up on a fresh Debian machine.
#   ./build.sh build     JIT build of the binary and the tests
#   ./build.sh test      install what is missing (as root), then every test, one AOT publish and its smoke run
#   ./build.sh publish   native-AOT binary into out/purelb
#   ./build.sh bench     measurements against their baselines, into bench/report.md and bench/report.json
#   ./build.sh order     (root) re-profile which methods the allocator and agent run, into purelb.order.gz
#   ./build.sh demo      the whole system on this machine, in network namespaces (--keep leaves it running)
#   ./build.sh image     container image, when a Docker engine exists
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '==> %s\n' "$*" >&2; }

# Debian packages the tests, the demo and the AOT publish need: command -> package.
APT_NEEDS=(
  "ip:iproute2"
  "clang:clang"
  "gobgpd:gobgpd"
  "bird:bird2"
  "tcpdump:tcpdump"
  "python3:python3"
  "ping:iputils-ping"
)

ensure_deps() {
  local missing=()
  for pair in "${APT_NEEDS[@]}"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ -e /usr/lib/x86_64-linux-gnu/libz.so ] || [ -e /usr/lib/aarch64-linux-gnu/libz.so ] || missing+=(zlib1g-dev)
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
  # Debian's python3 (not a pyenv one earlier on PATH) is what the real-client tests run.
  /usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1 || missing+=(python3-kubernetes)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
      log "missing packages (${missing[*]}); run as root to install them"
      return 0
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v dotnet >/dev/null 2>&1 || { log "the .NET 10 SDK (dotnet) is required"; exit 1; }
}

cmd_build() {
  dotnet build tests/Purelb.Tests -c Debug -nologo -clp:ErrorsOnly
  dotnet build bench/Purelb.Bench -c Release -nologo -clp:ErrorsOnly
}

cmd_publish() {
  log "native-AOT publish into out/"
  dotnet publish purelb.csproj -c Release -r "$(rid)" -o out -nologo -clp:ErrorsOnly -p:DebugType=None
  ls -l out/purelb
}

rid() {
  case "$(uname -m)" in
    x86_64) echo linux-x64 ;;
    aarch64) echo linux-arm64 ;;
    *) log "unsupported machine $(uname -m)"; exit 1 ;;
  esac
}

cmd_test() {
  ensure_deps
  local start=$SECONDS
  cmd_publish
  log "smoke: the AOT binary"
  out/purelb --help >/dev/null
  out/purelb version
  out/purelb debug pools --file deploy/samples/servicegroups.yaml --services deploy/samples/services.yaml
  log "unit, kernel and end-to-end tests"
  rm -rf TestResults
  local rc=0
  PURELB_BINARY="$ROOT/out/purelb" dotnet test tests/Purelb.Tests -c Debug -nologo \
    --logger "trx;LogFileName=results.trx" --results-directory "$ROOT/TestResults" \
    --logger "console;verbosity=minimal" "$@" || rc=$?
  summarize_trx "$ROOT/TestResults/results.trx"
  log "test run took $((SECONDS - start)) s"
  return $rc
}

# One closing line that any reader understands: "Tests: N passed, N failed, N skipped".
summarize_trx() {
  local trx=$1
  if [ ! -f "$trx" ]; then echo "Tests: 0 passed, 1 failed"; return; fi
  local counters
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  local total passed failed
  total=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  local skipped=$(( ${total:-0} - ${passed:-0} - ${failed:-0} ))
  echo "Tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
}

cmd_bench() {
  ensure_deps
  [ -x out/purelb ] || cmd_publish
  mkdir -p bench
  dotnet run --project bench/Purelb.Bench -c Release -- --root "$ROOT" "$@"
}

cmd_demo() {
  ensure_deps
  [ -x out/purelb ] || cmd_publish
  PURELB_BINARY="$ROOT/out/purelb" dotnet run --project tests/Demo -c Debug -- "$@"
}

cmd_image() {
  if docker info >/dev/null 2>&1; then
    docker build -t purelb:dev .
  else
    log "no Docker engine is running here; the image needs one (docker build -t purelb:dev .)"
    exit 1
  fi
}

sub=${1:-}
[ $# -gt 0 ] && shift
case "$sub" in
  build) cmd_build "$@" ;;
  test) cmd_test "$@" ;;
  publish) cmd_publish "$@" ;;
  bench) cmd_bench "$@" ;;
  order) ensure_deps; bench/method-order.sh ;;
  demo) cmd_demo "$@" ;;
  image) cmd_image "$@" ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
