#!/usr/bin/env bash
# Builds the hashchain example images for Prova: prover.tar, verifier.tar, liar.tar, failing.tar.
#
# Usage: examples/hashchain/build.sh [--out DIR] [--force]
#   --out DIR  where the outputs go (default: examples/hashchain/build)
#   --force    rebuild even when the recipe is unchanged
#
# Each image is Debian's static busybox (/bin/busybox plus one symlink per applet) and a shell
# script under /prova, packed as a single-image OCI layout tar with umoci. No network needed.
# Outputs in DIR: the four archives, digests.txt (sha256sum format), manifest.json, input/ (a
# sample input directory), .recipe-key (when it matches the recipe, the script exits at once).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_NAME=hashchain
# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"

OUT="$HERE/build"
FORCE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT="$2"; shift 2 ;;
        --out=*) OUT="${1#--out=}"; shift ;;
        --force) FORCE=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) die "unknown argument $1 (usage: build.sh [--out DIR] [--force])" ;;
    esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

ROLES=(prover verifier liar failing)
declare -A SCRIPT=([prover]=prove.sh [verifier]=verify.sh [liar]=liar.sh [failing]=failing.sh)

need_packages umoci:umoci tar:tar sha256sum:coreutils
BUSYBOX=/bin/busybox
if ! [ -x "$BUSYBOX" ] || ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
    [ "$(id -u)" -eq 0 ] || die "busybox-static is not installed (apt-get install busybox-static)"
    log "installing busybox-static"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox-static >&2 \
        || die "apt-get install busybox-static failed"
fi
{ ldd "$BUSYBOX" 2>&1 || true; } | grep -q 'not a dynamic executable' || die "$BUSYBOX is not statically linked (install busybox-static)"

RECIPE_FILES=("$HERE/build.sh" "$HERE/../lib/common.sh" "$HERE/hashchain.sh" "$HERE/prove.sh" "$HERE/verify.sh"
              "$HERE/liar.sh" "$HERE/failing.sh" "$HERE/input/message.txt" "$BUSYBOX")
RECIPE_EXTRA="epoch=$SOURCE_DATE_EPOCH"
KEY="$(recipe_key "${RECIPE_FILES[@]}")"
lock_out "$OUT"
if [ "$FORCE" -eq 0 ] && up_to_date "$OUT" "$KEY" prover.tar verifier.tar liar.tar failing.tar manifest.json digests.txt input/message.txt; then
    log "up to date in $OUT (recipe key ${KEY:0:12}); use --force to rebuild"
    exit 0
fi

started=$(date +%s%N)
log "building into $OUT (recipe key ${KEY:0:12})"
rm -f "$OUT/.recipe-key"
WORK="$OUT/work"
safe_rm "$WORK"
mkdir -p "$WORK/base/bin" "$WORK/base/prova"

install -m 0755 "$BUSYBOX" "$WORK/base/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$WORK/base/bin/$applet"
done
install -m 0644 "$HERE/hashchain.sh" "$WORK/base/prova/hashchain.sh"
layer_tar "$WORK/base" "$WORK/layer-base.tar"

for role in "${ROLES[@]}"; do
    mkdir -p "$WORK/$role/prova"
    install -m 0644 "$HERE/${SCRIPT[$role]}" "$WORK/$role/prova/${SCRIPT[$role]}"
    layer_tar "$WORK/$role" "$WORK/layer-$role.tar"
    # shellcheck disable=SC2034 # used through a nameref in oci_image
    CONFIG=(--config.entrypoint /bin/sh --config.entrypoint "/prova/${SCRIPT[$role]}" --config.workingdir /
            --config.env "PATH=/bin" --config.env "HASHCHAIN_ROUNDS=1000" --config.label "org.prova.role=$role")
    oci_image "$WORK/layout-$role" "$OUT/$role.tar" CONFIG "$WORK/layer-base.tar" "$WORK/layer-$role.tar"
    log "$role.tar $(du -h "$OUT/$role.tar" | cut -f1) sha256:$(sha256_of "$OUT/$role.tar")"
done

rm -rf "$OUT/input" && mkdir -p "$OUT/input" && install -m 0644 "$HERE/input/message.txt" "$OUT/input/message.txt"
(cd "$OUT" && sha256sum prover.tar verifier.tar liar.tar failing.tar > digests.txt)
entry() { printf '{"archive": "%s.tar", "digest": "sha256:%s", "command": ["/bin/sh", "/prova/%s"], "environment": ["HASHCHAIN_ROUNDS=1000"]}' "$1" "$(sha256_of "$OUT/$1.tar")" "${SCRIPT[$1]}"; }
cat > "$OUT/manifest.json" <<JSON
{
  "name": "hashchain",
  "description": "Iterated SHA-256 over the input files (HASHCHAIN_ROUNDS, default 1000). A fast stand-in for tests, NOT a zero-knowledge proof.",
  "prover": $(entry prover),
  "verifier": $(entry verifier),
  "liar": $(entry liar),
  "failing": $(entry failing),
  "input": "input",
  "defaults": {"cpus": 1, "memory": 67108864, "time": 60},
  "verifierDefaults": {"cpus": 1, "memory": 67108864, "time": 60},
  "recipeKey": "$KEY"
}
JSON
safe_rm "$WORK"
printf '%s\n' "$KEY" > "$OUT/.recipe-key"
log "done in $(( ($(date +%s%N) - started) / 1000000 )) ms"
