#!/usr/bin/env bash
# Times the Pulumi program's offline preview of the prod stack against `cdk synth` of the
# same architecture written as an AWS CDK app (bench/cdk-app), and checks the target
# ratio preview/cdk <= 0.35. A measurement, not a test: exits 0 whether or not the target
# is met (non-zero only when a command under test fails).
#
#   bench/run.sh               # 5 timed runs of each, after one untimed warm-up each
#   RUNS=10 bench/run.sh
#   TIMER=builtin bench/run.sh # ignore hyperfine even where it is installed
#   CDK_VALIDATION=false bench/run.sh  # cdk synth without aws-cdk-lib's built-in
#                              # CloudFormation template validation (on by default)
#
# Offline: no AWS credentials, no network to AWS (the CDK app pins account, region and
# zones; CLI telemetry, notices and the version check are off). Needs node/npm (the npm
# registry only on the first run, to install bench/cdk-app's locked dependencies) and
# python3 (make venv).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
CDK_APP="$BENCH_DIR/cdk-app"
RUNS="${RUNS:-5}"
TIMER="${TIMER:-auto}"
TARGET="0.35"
STACK="prod"

if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench: RUNS must be a positive integer, not '$RUNS'" >&2
  exit 2
fi

# Nothing here may reach AWS: no instance metadata, no CDK version check, notices or telemetry.
export AWS_EC2_METADATA_DISABLED=true
export CDK_DISABLE_VERSION_CHECK=true
export CDK_DISABLE_CLI_TELEMETRY=true

say() { printf 'bench: %s\n' "$*" >&2; }

# --- setup ------------------------------------------------------------------------------
if [[ ! -x "$CDK_APP/node_modules/.bin/cdk" ]]; then
  if [[ -f "$CDK_APP/package-lock.json" ]]; then
    say "installing the CDK app's dependencies (npm ci)"
    (cd "$CDK_APP" && npm ci --no-audit --no-fund)
  else
    say "installing the CDK app's dependencies (npm install; commit the package-lock.json it writes)"
    (cd "$CDK_APP" && npm install --no-audit --no-fund)
  fi
fi
say "making sure $REPO/venv exists (make venv)"
make -s -C "$REPO" venv

# (a) the preview: `make preview` where the Makefile has that target, else the module
# directly. (Not `make -n preview`: with no rule, make is content with the preview/ folder.)
if grep -qE '^preview:([^=]|$)' "$REPO/Makefile"; then
  PREVIEW_DESC="make -C <repo> preview STACK=$STACK"
  preview_cmd() { make -s -C "$REPO" preview STACK="$STACK"; }
  PREVIEW_SHELL="make -s -C '$REPO' preview STACK=$STACK"
else
  PREVIEW_DESC="venv/bin/python -m preview --stack $STACK --no-files (from the repo root; the Makefile has no preview target)"
  preview_cmd() { (cd "$REPO" && venv/bin/python -m preview --stack "$STACK" --no-files); }
  PREVIEW_SHELL="cd '$REPO' && venv/bin/python -m preview --stack $STACK --no-files"
fi
# (b) cdk synth of the equivalent CDK app.
CDK_DESC="npx cdk synth --quiet --no-notices (in bench/cdk-app)"
cdk_cmd() { (cd "$CDK_APP" && npx cdk synth --quiet --no-notices); }
CDK_SHELL="cd '$CDK_APP' && npx cdk synth --quiet --no-notices"

LOG_DIR="$(mktemp -d)"
trap 'rm -rf "$LOG_DIR"' EXIT

# Runs a command quietly; on failure shows its output and stops the benchmark.
run_quiet() {
  local name="$1"
  shift
  if ! "$@" >"$LOG_DIR/$name.out" 2>&1; then
    say "$name failed; its output:"
    cat "$LOG_DIR/$name.out" >&2
    exit 1
  fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# --- machine ----------------------------------------------------------------------------
cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
mem_total="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)"
cdk_lib_version="$(node -p "require('$CDK_APP/node_modules/aws-cdk-lib/package.json').version")"
constructs_version="$(node -p "require('$CDK_APP/node_modules/constructs/package.json').version")"
cdk_cli_version="$(cd "$CDK_APP" && npx cdk --version 2>/dev/null | head -n1)"
pulumi_versions="$("$REPO/venv/bin/python" -c '
from importlib.metadata import version
print(", ".join(f"{p} {version(p)}" for p in ("pulumi", "pulumi-aws")))')"

echo "== machine =="
echo "date:        $(date)"
echo "cpu:         ${cpu_model:-unknown} ($(nproc) cores)"
echo "memory:      ${mem_total:-unknown}"
echo "os:          $(uname -srm)"
echo "node:        $(node --version) (npm $(npm --version))"
echo "python:      $("$REPO/venv/bin/python" --version 2>&1) (venv)"
echo "aws-cdk-lib: $cdk_lib_version, constructs $constructs_version, aws-cdk CLI $cdk_cli_version"
echo "pulumi:      $pulumi_versions"
echo "load avg:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; other work on the machine skews both commands)"
echo "env:         PYTHONDONTWRITEBYTECODE=${PYTHONDONTWRITEBYTECODE:-unset}, PYTHONPYCACHEPREFIX=${PYTHONPYCACHEPREFIX:-unset}, CDK_VALIDATION=${CDK_VALIDATION:-unset}"
echo
echo "== commands =="
echo "preview: $PREVIEW_DESC"
echo "cdk:     $CDK_DESC"
echo

# --- timing -----------------------------------------------------------------------------
declare -a preview_times=() cdk_times=()

if [[ "$TIMER" != builtin ]] && command -v hyperfine >/dev/null 2>&1; then
  echo "== timings: hyperfine $(hyperfine --version | awk '{print $2}'), 1 warm-up + $RUNS runs each =="
  echo "(hyperfine runs all of one command, then all of the other; TIMER=builtin alternates them)"
  json="$LOG_DIR/hyperfine.json"
  hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$json" \
    -n preview "$PREVIEW_SHELL" -n cdk "$CDK_SHELL" >&2
  mapfile -t preview_times < <(python3 -c 'import json,sys; [print(f"{t:.3f}") for t in json.load(open(sys.argv[1]))["results"][0]["times"]]' "$json")
  mapfile -t cdk_times < <(python3 -c 'import json,sys; [print(f"{t:.3f}") for t in json.load(open(sys.argv[1]))["results"][1]["times"]]' "$json")
  for ((i = 0; i < RUNS; i++)); do
    printf 'run %2d  preview %7.3f s   cdk synth %7.3f s\n' "$((i + 1))" "${preview_times[i]}" "${cdk_times[i]}"
  done
else
  echo "== timings: wall clock (date +%s.%N), 1 untimed warm-up + $RUNS alternating runs each =="
  say "warm-up (untimed): preview"
  run_quiet preview preview_cmd
  say "warm-up (untimed): cdk synth"
  run_quiet cdk cdk_cmd
  for ((i = 1; i <= RUNS; i++)); do
    start="$(now)"
    run_quiet preview preview_cmd
    end="$(now)"
    preview_times+=("$(elapsed "$start" "$end")")
    start="$(now)"
    run_quiet cdk cdk_cmd
    end="$(now)"
    cdk_times+=("$(elapsed "$start" "$end")")
    printf 'run %2d  preview %7.3f s   cdk synth %7.3f s\n' "$i" "${preview_times[-1]}" "${cdk_times[-1]}"
  done
fi

# --- summary ----------------------------------------------------------------------------
python3 - "$TARGET" "${#preview_times[@]}" "${preview_times[@]}" "${cdk_times[@]}" <<'PY'
import statistics
import sys

target = float(sys.argv[1])
n = int(sys.argv[2])
preview = [float(t) for t in sys.argv[3 : 3 + n]]
cdk = [float(t) for t in sys.argv[3 + n :]]
p, c = statistics.median(preview), statistics.median(cdk)
ratio = p / c
print()
print("== result ==")
print(f"preview   median {p:.3f} s  (min {min(preview):.3f}, max {max(preview):.3f})")
print(f"cdk synth median {c:.3f} s  (min {min(cdk):.3f}, max {max(cdk):.3f})")
print(f"ratio preview/cdk = {ratio:.3f}  (target <= {target})")
if ratio <= target:
    print(f"TARGET MET: the preview takes {ratio:.0%} of cdk synth's time")
else:
    print(f"TARGET MISSED: the preview takes {ratio:.0%} of cdk synth's time, above {target:.0%}")
PY
echo "load avg after: $(cut -d' ' -f1-3 /proc/loadavg)"
