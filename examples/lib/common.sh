# Shared helpers for the example build scripts (sourced, not executed).
#
# Images are assembled without a Docker daemon: each layer is a plain tar made here (sorted names,
# numeric root ownership, fixed mtimes, no device nodes), added verbatim with `umoci raw add-layer`,
# and each image is exported as a tar of a single-image OCI layout — the shape Prova's ImageStore
# imports (oci-layout + index.json + blobs/sha256/...).

set -euo pipefail

# Fixed timestamp for layer entries and image metadata, so that rebuilding the same inputs gives
# the same layers (2024-01-01T00:00:00Z unless the caller sets SOURCE_DATE_EPOCH).
: "${SOURCE_DATE_EPOCH:=1704067200}"
export SOURCE_DATE_EPOCH
CREATED="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"

log() { printf '[%s %s] %s\n' "${BUILD_NAME:-build}" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${BUILD_NAME:-build}" "$*" >&2; exit 1; }

# need_packages CMD:PACKAGE... — installs the Debian packages of missing commands (root only).
need_packages() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})"
    log "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
        || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; } \
        || die "apt-get install ${missing[*]} failed"
}

# recipe_key FILE... — SHA-256 over the recipe files' names and contents plus any extra
# strings in $RECIPE_EXTRA (pinned versions, tool versions).
recipe_key() {
    local f
    {
        for f in "$@"; do printf '%s\n' "$(basename "$f")"; sha256sum < "$f"; done
        printf '%s\n' "${RECIPE_EXTRA:-}"
    } | sha256sum | cut -d' ' -f1
}

# lock_out OUT — serialises builds into the same OUT (a test and a CI step may start one at the
# same time); the lock is released when the script exits.
lock_out() {
    exec 9>"$1/.build-lock"
    if ! flock -n 9; then
        log "another build into $1 is running; waiting for it"
        flock 9
    fi
}

# up_to_date OUT KEY FILE... — true when OUT/.recipe-key holds KEY and every FILE exists in OUT.
up_to_date() {
    local out="$1" key="$2" f
    shift 2
    [ -f "$out/.recipe-key" ] && [ "$(cat "$out/.recipe-key")" = "$key" ] || return 1
    for f in "$@"; do [ -s "$out/$f" ] || return 1; done
}

# layer_tar DIR TAR — a reproducible, uncompressed layer of DIR's contents (paths relative to /).
layer_tar() {
    local dir="$1" tar="$2"
    if find "$dir" \( -type b -o -type c \) -print -quit | grep -q .; then
        die "layer $dir contains device nodes; Prova's importer rejects them"
    fi
    (cd "$dir" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort) > "$tar.list"
    tar -C "$dir" --no-recursion --numeric-owner --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" \
        --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
        -cf "$tar" -T "$tar.list"
    rm -f "$tar.list"
}

# oci_image LAYOUT_DIR OUT_TAR CONFIG_ARGS_NAME LAYER_TAR... — builds a one-image OCI layout from
# the layers (bottom first), applies the umoci config arguments held in the array named by
# CONFIG_ARGS_NAME, and writes it as a tar to OUT_TAR.
oci_image() {
    local layout="$1" out="$2" config_name="$3"
    shift 3
    local -n config_args="$config_name"
    rm -rf "$layout"
    umoci init --layout "$layout"
    umoci new --image "$layout:latest"
    local layer
    for layer in "$@"; do
        umoci raw add-layer --image "$layout:latest" --history.created "$CREATED" \
            --history.created_by "prova examples: $(basename "$layer")" "$layer"
    done
    umoci config --image "$layout:latest" --created "$CREATED" --history.created "$CREATED" \
        --os linux --architecture amd64 "${config_args[@]}"
    umoci gc --layout "$layout"
    local tmp="$out.partial"
    tar -C "$layout" --numeric-owner --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" --sort=name \
        -cf "$tmp" oci-layout index.json blobs
    mv -f "$tmp" "$out"
}

# safe_rm DIR... — removes directories that may hold a root file system: anything still mounted
# under them (an interrupted mmdebstrap leaves proc, sys, dev mounts) is unmounted first, and rm
# never crosses into another file system.
safe_rm() {
    local d m
    for d in "$@"; do
        [ -e "$d" ] || continue
        d="$(realpath "$d")"
        awk -v p="$d/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
            umount -l "$m" 2>/dev/null || true
        done
        rm -rf --one-file-system "$d"
    done
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
