#!/usr/bin/env bash
# `make demo`: set up what is missing, build, build the EZKL example images (cached), start the devnet, deploy the
# EZKL program, request a real Halo2 proof and wait until it is verified by three other workers and paid.
# The devnet keeps running afterwards for trying things by hand; DEMO_EXIT=1 stops it after the proof.
# DEMO_VALIDATORS=3 runs it on a cluster of three validators ordered by etcd.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "make demo runs runc containers and installs Debian packages: run it as root (sudo make demo)." >&2
    exit 1
fi
./scripts/setup.sh
echo "==> building prova"
# shellcheck disable=SC2086 # the flags are words (the Makefile exports the strict set it builds with)
swift build ${SWIFT_BUILD_FLAGS:-} --product prova 2>&1 | grep -E "error|warning: |Compiling prova|Build complete" || true
PROVA="$(swift build ${SWIFT_BUILD_FLAGS:-} --product prova --show-bin-path)/prova"
[ -x "$PROVA" ] || { echo "the build failed; run 'swift build' to see why" >&2; exit 1; }

echo "==> building the EZKL prover and verifier images (cached after the first time)"
examples/ezkl/build.sh
MANIFEST=examples/ezkl/build/manifest.json

PORT="${PORT:-8545}"
# DEMO_VALIDATORS=3 runs the same demo on a cluster: three etcd members and three validator processes on PORT, PORT+1, …
VALIDATORS="${DEMO_VALIDATORS:-1}"
PROVA_NODE="http://127.0.0.1:${PORT}"
for ((i = 1; i < VALIDATORS; i++)); do PROVA_NODE="${PROVA_NODE},http://127.0.0.1:$((PORT + i))"; done
export PROVA_NODE
LOG="${PROVA_HOME:-$HOME/.prova}/devnet.log"
mkdir -p "$(dirname "$LOG")"
if "$PROVA" stats --node "$PROVA_NODE" >/dev/null 2>&1; then
    echo "==> a node already answers at $PROVA_NODE; using it"
    DEVNET_PID=""
else
    echo "==> starting the devnet (log: $LOG)"
    "$PROVA" devnet --port "$PORT" --validators "$VALIDATORS" >"$LOG" 2>&1 &
    DEVNET_PID=$!
    for _ in $(seq 1 120); do
        grep -q "devnet ready" "$LOG" 2>/dev/null && break
        kill -0 "$DEVNET_PID" 2>/dev/null || { echo "the devnet stopped:" >&2; cat "$LOG" >&2; exit 1; }
        sleep 1
    done
    grep -q "devnet ready" "$LOG" || { echo "the devnet did not start in 2 minutes:" >&2; cat "$LOG" >&2; exit 1; }
    sed '/devnet ready/d' "$LOG"
fi

field() { python3 -c "import json,sys; m=json.load(open('$MANIFEST')); print(eval(sys.argv[1]))" "$1"; }
echo "==> deploying the EZKL program"
PROGRAM=$("$PROVA" program deploy --name ezkl-mlp \
    --prover examples/ezkl/build/prover.tar --verifier examples/ezkl/build/verifier.tar \
    --prover-command "$(field 'json.dumps(m["prover"]["command"])')" \
    --verifier-command "$(field 'json.dumps(m["verifier"]["command"])')" \
    --cpus 2 --memory 2GiB --time 5m --verifier-cpus 1 --verifier-memory 512MiB --verifier-time 60s \
    --key dev --json | python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('program') or d['outcome']['created'])") || {
    PROGRAM=$("$PROVA" program list --json | python3 -c "import json,sys; print([p['id'] for p in json.load(sys.stdin) if p['deploy']['name']=='ezkl-mlp'][0])")
}
echo "program $PROGRAM"
"$PROVA" quote --cpus 2 --memory 2GiB --time 5m

echo "==> requesting a proof of examples/ezkl/input.json"
TASK_JSON=$("$PROVA" proof request --program "$PROGRAM" --input examples/ezkl/input.json --key dev --wait --json)
TASK=$(echo "$TASK_JSON" | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
"$PROVA" task show "$TASK"
rm -rf /tmp/prova-demo-proof && "$PROVA" proof get "$TASK" --out /tmp/prova-demo-proof --verified
python3 - "$TASK_JSON" <<'PY'
import json, sys
task = json.loads(sys.argv[1])
attempt = task["attempts"][task["verifiedAttempt"] - 1]
proof = [o for o in attempt["result"]["outputs"] if o["path"] == "proof.json"][0]
voters = [d["worker"] for d in attempt["verifiers"] if d.get("vote") == "valid"]
print(f"\nverified proof  {proof['digest']} ({proof['size']} bytes)")
print(f"fee             {task['feePerSlot']} µcr ({task['feePerSlot']/1e6:.6f} credits), paid out {task['paid']} µcr")
print(f"proved by       {attempt['worker']}")
print(f"verified by     {', '.join(voters)}")
PY
echo "the proof is in /tmp/prova-demo-proof/proof.json"

if [ "${DEMO_EXIT:-0}" = "1" ]; then
    [ -n "$DEVNET_PID" ] && kill -INT "$DEVNET_PID" && wait "$DEVNET_PID" || true
    exit 0
fi
cat <<TEXT

The devnet keeps running (pid ${DEVNET_PID:-external}). Try it by hand:
  export PROVA_NODE=$PROVA_NODE
  $PROVA task list
  $PROVA stats
  $PROVA proof request --program $PROGRAM --input examples/ezkl/input.json --key dev --wait
Stop it with: kill -INT ${DEVNET_PID:-<pid>}
TEXT
