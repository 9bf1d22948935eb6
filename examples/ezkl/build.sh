#!/usr/bin/env bash
# Builds the EZKL example images for Prova: prover.tar and verifier.tar (OCI layout archives).
#
# Usage: examples/ezkl/build.sh [--out DIR] [--force]
#   --out DIR  where the outputs go (default: examples/ezkl/build)
#   --force    rebuild even when the recipe is unchanged
#
# No Docker daemon: a Debian bookworm root file system with python3 comes from mmdebstrap (mirrors
# taken from this machine's apt configuration), ezkl is installed from PyPI with the machine's pip
# configuration, and the images are assembled with umoci. The one-time circuit setup (model,
# settings, calibration, compiled circuit, a LOCAL DEMO SRS, proving and verification keys) runs
# on the host at build time and is baked into the images.
#
# Outputs in DIR: prover.tar, verifier.tar, digests.txt (sha256sum format), manifest.json,
# input.json (sample input), artifacts/ (settings, vk, srs: what verify_outside.py needs),
# venv/ (host Python with the pinned ezkl, used by the setup and by verify_outside.py),
# .recipe-key (hash of the recipe; when it matches, the script exits at once).
# Needs root (mmdebstrap --mode=root, apt-get for missing tools) and network access to the
# machine's Debian mirrors and to PyPI (or the pip index it is configured with).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_NAME=ezkl
# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"

OUT="$HERE/build"
FORCE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT="$2"; shift 2 ;;
        --out=*) OUT="${1#--out=}"; shift ;;
        --force) FORCE=1; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) die "unknown argument $1 (usage: build.sh [--out DIR] [--force])" ;;
    esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# ---- pinned recipe ---------------------------------------------------------------------------
SUITE=bookworm
EZKL_VERSION=23.0.5
PYTHON_IN_IMAGE=python3.11          # bookworm's python3
DEFAULT_CPUS=2
DEFAULT_MEMORY=$((2 * 1024 * 1024 * 1024))
DEFAULT_TIME=300
VERIFIER_CPUS=1
VERIFIER_MEMORY=$((512 * 1024 * 1024))
VERIFIER_TIME=60
RECIPE_FILES=("$HERE/build.sh" "$HERE/../lib/common.sh" "$HERE/../lib/apt_sources.py"
              "$HERE/setup_circuit.py" "$HERE/prove.py" "$HERE/verify.py"
              "$HERE/requirements-setup.txt" "$HERE/input.json")
RECIPE_EXTRA="suite=$SUITE ezkl=$EZKL_VERSION python=$PYTHON_IN_IMAGE epoch=$SOURCE_DATE_EPOCH"
grep -qx "ezkl==$EZKL_VERSION" "$HERE/requirements-setup.txt" \
    || die "requirements-setup.txt must pin ezkl==$EZKL_VERSION like build.sh"
KEY="$(recipe_key "${RECIPE_FILES[@]}")"
lock_out "$OUT"
OUTPUTS=(prover.tar verifier.tar manifest.json digests.txt input.json artifacts/vk.key)

if [ "$FORCE" -eq 0 ] && up_to_date "$OUT" "$KEY" "${OUTPUTS[@]}" && [ -x "$OUT/venv/bin/python" ]; then
    log "up to date in $OUT (recipe key ${KEY:0:12}); use --force to rebuild"
    exit 0
fi

started=$(date +%s)
log "building into $OUT (recipe key ${KEY:0:12})"
need_packages mmdebstrap:mmdebstrap umoci:umoci python3:python3 tar:tar gzip:gzip
rm -f "$OUT/.recipe-key"
WORK="$OUT/work"
safe_rm "$WORK"
mkdir -p "$WORK"

# ---- 1. host Python with the pinned packages -------------------------------------------------
if [ ! -x "$OUT/venv/bin/python" ]; then
    log "creating the host venv $OUT/venv"
    if ! python3 -m venv "$OUT/venv" >/dev/null 2>&1; then
        rm -rf "$OUT/venv"
        [ "$(id -u)" -eq 0 ] || die "python3 -m venv failed; install python3-venv"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv >&2 \
            || die "apt-get install python3-venv failed"
        python3 -m venv "$OUT/venv" || die "python3 -m venv $OUT/venv failed"
    fi
fi
log "pip install -r requirements-setup.txt (host venv)"
"$OUT/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements-setup.txt" \
    || die "pip could not install the pinned packages (see above)"

# ---- 2. one-time circuit setup ---------------------------------------------------------------
log "circuit setup (model, settings, calibration, compile, demo SRS, keys, trial proof)"
setup_started=$(date +%s)
"$OUT/venv/bin/python" "$HERE/setup_circuit.py" "$WORK/setup" "$HERE/input.json" 2>&1 | sed 's/^/    /' >&2
[ "${PIPESTATUS[0]}" -eq 0 ] || die "setup_circuit.py failed"
log "circuit setup took $(( $(date +%s) - setup_started ))s"

# ---- 3. Debian base root file system ---------------------------------------------------------
python3 "$HERE/../lib/apt_sources.py" "$SUITE" > "$WORK/sources.list" || die "no usable apt source for $SUITE"
log "mmdebstrap $SUITE (essential + python3) from: $(awk '{print $(NF-2)" "$(NF-1)}' "$WORK/sources.list" | paste -sd, -)"
mmdebstrap --mode=root --variant=essential --include=python3 --format=directory \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*' \
    --quiet "$SUITE" "$WORK/rootfs" "$WORK/sources.list" >&2 \
    || die "mmdebstrap failed"
[ -x "$WORK/rootfs/usr/bin/$PYTHON_IN_IMAGE" ] || die "the root file system has no /usr/bin/$PYTHON_IN_IMAGE"
# Device nodes: Prova's importer rejects them, and the runtime mounts its own /dev anyway.
find "$WORK/rootfs/dev" -mindepth 1 -delete
find "$WORK/rootfs" -xdev \( -type b -o -type c \) -delete
log "base root file system: $(du -sh "$WORK/rootfs" | cut -f1)"

# ---- 4. ezkl into the image ------------------------------------------------------------------
SITE="usr/local/lib/$PYTHON_IN_IMAGE/dist-packages"
mkdir -p "$WORK/ezkl/$SITE"
log "pip install ezkl==$EZKL_VERSION into the image ($SITE)"
"$OUT/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
    --only-binary=:all: --platform manylinux2014_x86_64 --implementation cp \
    --python-version "${PYTHON_IN_IMAGE#python}" --target "$WORK/ezkl/$SITE" "ezkl==$EZKL_VERSION" \
    || die "pip could not fetch ezkl==$EZKL_VERSION for the image"
rm -rf "$WORK/ezkl/$SITE/bin"

# ---- 5. role layers --------------------------------------------------------------------------
APP=opt/prova-ezkl
mkdir -p "$WORK/prover/$APP/artifacts" "$WORK/verifier/$APP/artifacts"
install -m 0755 "$HERE/prove.py" "$WORK/prover/$APP/prove.py"
install -m 0755 "$HERE/verify.py" "$WORK/verifier/$APP/verify.py"
for f in network.compiled settings.json pk.key kzg.srs; do install -m 0644 "$WORK/setup/$f" "$WORK/prover/$APP/artifacts/$f"; done
for f in settings.json vk.key kzg.srs; do install -m 0644 "$WORK/setup/$f" "$WORK/verifier/$APP/artifacts/$f"; done
install -m 0644 "$WORK/setup/network.onnx" "$WORK/prover/$APP/artifacts/network.onnx"

log "writing layer tars"
layer_tar "$WORK/rootfs" "$WORK/layer-debian.tar"
layer_tar "$WORK/ezkl" "$WORK/layer-ezkl.tar"
layer_tar "$WORK/prover" "$WORK/layer-prover.tar"
layer_tar "$WORK/verifier" "$WORK/layer-verifier.tar"

ENV_ARGS=(--config.env "HOME=/tmp" --config.env "XDG_CACHE_HOME=/tmp/.cache" --config.env "EZKL_REPO_PATH=/tmp/.ezkl"
          --config.env "PYTHONDONTWRITEBYTECODE=1" --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
PROVER_CMD='["/usr/bin/python3", "-B", "/opt/prova-ezkl/prove.py"]'
VERIFIER_CMD='["/usr/bin/python3", "-B", "/opt/prova-ezkl/verify.py"]'
# shellcheck disable=SC2034 # used through a nameref in oci_image
PROVER_CONFIG=("${ENV_ARGS[@]}" --config.entrypoint /usr/bin/python3 --config.entrypoint -B
               --config.entrypoint /opt/prova-ezkl/prove.py --config.workingdir / --config.label "org.prova.role=prover")
# shellcheck disable=SC2034
VERIFIER_CONFIG=("${ENV_ARGS[@]}" --config.entrypoint /usr/bin/python3 --config.entrypoint -B
                 --config.entrypoint /opt/prova-ezkl/verify.py --config.workingdir / --config.label "org.prova.role=verifier")

log "assembling prover.tar"
oci_image "$WORK/layout-prover" "$OUT/prover.tar" PROVER_CONFIG \
    "$WORK/layer-debian.tar" "$WORK/layer-ezkl.tar" "$WORK/layer-prover.tar"
log "assembling verifier.tar"
oci_image "$WORK/layout-verifier" "$OUT/verifier.tar" VERIFIER_CONFIG \
    "$WORK/layer-debian.tar" "$WORK/layer-ezkl.tar" "$WORK/layer-verifier.tar"

# ---- 6. digests, manifest, host-side copies --------------------------------------------------
install -m 0644 "$HERE/input.json" "$OUT/input.json"
rm -rf "$OUT/artifacts" && mkdir -p "$OUT/artifacts"
for f in settings.json vk.key kzg.srs network.onnx; do install -m 0644 "$WORK/setup/$f" "$OUT/artifacts/$f"; done
PROVER_DIGEST="sha256:$(sha256_of "$OUT/prover.tar")"
VERIFIER_DIGEST="sha256:$(sha256_of "$OUT/verifier.tar")"
(cd "$OUT" && sha256sum prover.tar verifier.tar > digests.txt)
cat > "$OUT/manifest.json" <<JSON
{
  "name": "ezkl-mlp",
  "description": "EZKL (Halo2/KZG) proof of a 4->8->2 MLP; input and output are public instances. Demo SRS generated locally.",
  "ezkl": "$EZKL_VERSION",
  "prover": {"archive": "prover.tar", "digest": "$PROVER_DIGEST", "command": $PROVER_CMD, "environment": []},
  "verifier": {"archive": "verifier.tar", "digest": "$VERIFIER_DIGEST", "command": $VERIFIER_CMD, "environment": []},
  "input": "input.json",
  "defaults": {"cpus": $DEFAULT_CPUS, "memory": $DEFAULT_MEMORY, "time": $DEFAULT_TIME},
  "verifierDefaults": {"cpus": $VERIFIER_CPUS, "memory": $VERIFIER_MEMORY, "time": $VERIFIER_TIME},
  "recipeKey": "$KEY"
}
JSON
"$OUT/venv/bin/python" -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT/manifest.json" || die "manifest.json is not valid JSON"
safe_rm "$WORK"
printf '%s\n' "$KEY" > "$OUT/.recipe-key"
log "prover.tar   $(du -h "$OUT/prover.tar" | cut -f1)  $PROVER_DIGEST"
log "verifier.tar $(du -h "$OUT/verifier.tar" | cut -f1)  $VERIFIER_DIGEST"
log "done in $(( $(date +%s) - started ))s"
