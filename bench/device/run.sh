#!/usr/bin/env bash
# The device benchmark in one command, for a lent GPU machine: bare x86-64 Linux, no Node, no
# network, PyTorch (CUDA) at python3, the NVIDIA Vulkan driver's ICD file present.
#
#   bash bench/device/run.sh [--quick] [--local]
#
# Needs bench/device/pack/ (build it with `npm run device:pack`; carry it along). Unpacks Node,
# dawn.node, the runner bundle and Debian's Vulkan loader into a private folder under /tmp, points
# Vulkan at the NVIDIA driver (--local: this machine's SwiftShader), then runs the parts one process
# each: prepare (data + row orders), probe (adapter, dispatch cost, bandwidth), library, torch,
# reference (plain JS f64), tfjs. A part that fails or times out is reported and the rest still run.
# Results go to $OUT when it is set, else bench/results/device-<time>/; stdout ends with one table
# and one JSON line. Exit status 0 only when every part ran and the final losses agree.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PACK=$HERE/pack
PY=${PYTHON:-python3}
LOCAL=0
QUICK=0

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    --local) LOCAL=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $arg" >&2; usage >&2; exit 2 ;;
  esac
done
FLAGS=()
[ "$QUICK" = 1 ] && FLAGS+=(--quick)
[ "$LOCAL" = 1 ] && FLAGS+=(--local)

RESULTS=${OUT:-$ROOT/bench/results/device-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS/parts" "$RESULTS/logs"
rm -f "$RESULTS"/parts/*.json
# Whole-run budget: parts get what is left of it, so a hung part cannot eat the machine's time.
BUDGET_S=${DEVICE_BENCH_BUDGET_S:-330}

say() { echo "== $*" >&2; }
fail() { echo "!! $*" >&2; }

WORK=$(mktemp -d /tmp/webgpu-logreg-device.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# ---- unpack ----

unxz_to() {
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$1" > "$2"
  else
    "$PY" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}

# dpkg -x where dpkg exists; otherwise the .deb's ar container and data tarball read by Python.
unpack_deb() {
  if command -v dpkg >/dev/null 2>&1; then
    dpkg -x "$1" "$2"
    return
  fi
  "$PY" - "$1" "$2" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'!<arch>\n', 'not an ar archive'
pos = 8
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/')
    size = int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    if name.startswith('data.tar'):
        tarfile.open(fileobj=io.BytesIO(body), mode='r:*').extractall(sys.argv[2])
        break
    pos += 60 + size + (size % 2)
else:
    sys.exit('no data.tar member in the .deb')
PY
}

if [ ! -f "$PACK/manifest.json" ]; then
  fail "no pack at $PACK: run 'npm run device:pack' and carry bench/device/pack"
  echo '{"ok":false,"failures":["no pack: run npm run device:pack and carry bench/device/pack"]}'
  exit 1
fi
say "unpacking $PACK into $WORK"
for f in node dawn.node runner.mjs libstdc++.so.6 libgcc_s.so.1; do
  if [ "$f" = "${f#lib}" ]; then dest=$WORK/$f; else mkdir -p "$WORK/compat"; dest=$WORK/compat/$f; fi
  unxz_to "$PACK/$f.xz" "$dest" || fail "could not decompress $f.xz"
done
chmod +x "$WORK/node"
DEB=$(ls "$PACK"/libvulkan1_*.deb 2>/dev/null | head -n 1)
cp "$DEB" "$WORK/" && unpack_deb "$DEB" "$WORK/vulkan" || fail "could not unpack $DEB"
if command -v sha256sum >/dev/null 2>&1; then
  (cd "$WORK" && sha256sum -c --quiet "$PACK/SHA256SUMS") >&2 && say "checksums match" \
    || fail "checksums of the unpacked files do not match SHA256SUMS"
fi

# ---- environment: Vulkan loader and driver, Node, dawn.node ----

LOADER=$(find "$WORK/vulkan" -name 'libvulkan.so.1' 2>/dev/null | head -n 1)
if [ -n "$LOADER" ]; then LD=$(dirname "$LOADER"); else LD=; fail "no libvulkan.so.1 in the unpacked .deb: relying on the system's loader"; fi
if [ "$LOCAL" = 1 ]; then
  ICD=${DEVICE_BENCH_ICD:-/usr/lib/chromium/vk_swiftshader_icd.json}
else
  ICD=${DEVICE_BENCH_ICD:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
  for alt in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$ICD" ] || { [ -f "$alt" ] && ICD=$alt; }
  done
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && LD=${LD:+$LD:}$d; done
fi
export VK_ICD_FILENAMES=$ICD VK_DRIVER_FILES=$ICD
export LD_LIBRARY_PATH=$LD${LD_LIBRARY_PATH:+${LD:+:}$LD_LIBRARY_PATH}
export WEBGPU_LOGREG_DAWN_NODE=$WORK/dawn.node
{
  echo "ICD $ICD:"; cat "$ICD" 2>&1; echo
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L
  uname -a; cat /etc/os-release 2>/dev/null | head -n 2
} > "$RESULTS/logs/environment.log" 2>&1
if [ -f "$ICD" ]; then
  # The driver library the ICD names must be loadable, or Dawn sees no adapter: say which up front.
  DRIVER=$(sed -n 's/.*"library_path"[^"]*"\([^"]*\)".*/\1/p' "$ICD" | head -n 1)
  case $DRIVER in
    /*) [ -e "$DRIVER" ] && FOUND=$DRIVER || FOUND= ;;
    ./*) [ -e "$(dirname "$ICD")/$DRIVER" ] && FOUND=$(dirname "$ICD")/${DRIVER#./} || FOUND= ;;
    *) FOUND=$( { ldconfig -p 2>/dev/null | sed -n "s/.* => \(.*\/$DRIVER\)$/\1/p"; \
                  for d in ${LD_LIBRARY_PATH//:/ }; do [ -e "$d/$DRIVER" ] && echo "$d/$DRIVER"; done; } | head -n 1) ;;
  esac
  if [ -n "$FOUND" ]; then say "Vulkan driver $DRIVER: $FOUND"; else fail "Vulkan driver $DRIVER (from $ICD) not found: expect no WebGPU adapter"; fi
else
  fail "no Vulkan ICD file at $ICD: the WebGPU parts will find no adapter"
fi

NODE=$WORK/node
if ! "$NODE" --version > /dev/null 2>&1; then
  fail "Node does not start with the system's libraries; retrying with the carried libstdc++"
  export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$WORK/compat
fi
if ! "$NODE" -e 'require(process.argv[1])' "$WEBGPU_LOGREG_DAWN_NODE" 2> "$RESULTS/logs/dawn-load.log"; then
  fail "dawn.node does not load ($(head -c 300 "$RESULTS/logs/dawn-load.log")); retrying with the carried libstdc++"
  export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$WORK/compat
  "$NODE" -e 'require(process.argv[1])' "$WEBGPU_LOGREG_DAWN_NODE" 2>> "$RESULTS/logs/dawn-load.log" || fail "dawn.node still does not load"
fi
say "node $("$NODE" --version 2>&1), ICD $ICD"

# ---- parts ----

declare -A STATUS
STATUS_ARGS=()

# part NAME LIMIT_S command...: runs it under timeout with what is left of the budget, logs to logs/NAME.log.
part() {
  local name=$1 limit=$2
  shift 2
  local left=$((BUDGET_S - SECONDS))
  if [ "$left" -lt 15 ]; then
    fail "part $name skipped: the ${BUDGET_S} s budget is spent"
    STATUS[$name]=budget
  else
    [ "$limit" -gt "$left" ] && limit=$left
    say "part $name (limit ${limit} s)"
    local t0=$SECONDS
    timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$RESULTS/logs/$name.log" >&2
    local code=${PIPESTATUS[0]}
    STATUS[$name]=$code
    if [ "$code" = 0 ]; then say "part $name ok ($((SECONDS - t0)) s)"; else fail "part $name FAILED: exit $code after $((SECONDS - t0)) s (logs/$name.log)"; fi
  fi
  STATUS_ARGS+=(--status "$name=${STATUS[$name]}")
}

RUN=("$NODE" "$WORK/runner.mjs")
COMMON=(--work "$WORK" --out "$RESULTS" "${FLAGS[@]+"${FLAGS[@]}"}")
part prepare 90 "${RUN[@]}" prepare "${COMMON[@]}"
part probe 90 "${RUN[@]}" probe "${COMMON[@]}"
part library 180 "${RUN[@]}" library "${COMMON[@]}"
part torch 180 "$PY" "$HERE/torch_reference.py" --exchange "$WORK/exchange" --out "$RESULTS/parts/torch.json" "${FLAGS[@]+"${FLAGS[@]}"}"
part reference 120 "${RUN[@]}" reference "${COMMON[@]}"
# TF.js last: it is the part most likely to hang or crash the driver.
part tfjs 150 "${RUN[@]}" tfjs "${COMMON[@]}"

# ---- report: the table, then the JSON line, on stdout ----

LOCAL_FLAG=()
[ "$LOCAL" = 1 ] && LOCAL_FLAG=(--local)
"$NODE" "$WORK/runner.mjs" report --out "$RESULTS" "${LOCAL_FLAG[@]+"${LOCAL_FLAG[@]}"}" "${STATUS_ARGS[@]}"
code=$?
if [ "$code" -gt 1 ]; then
  fail "the report itself failed (exit $code); the parts' files are in $RESULTS/parts"
  printf '{"ok":false,"failures":["the report failed (exit %s)"],"results":"%s"}\n' "$code" "$RESULTS"
fi
say "results in $RESULTS ($SECONDS s)"
exit "$code"
