# Shared by the hashchain programs (busybox sh). NOT a zero-knowledge proof: a deterministic
# stand-in whose "proof" anyone can recompute, used to test Prova's plumbing quickly.
#
# seed   = sha256 of the listing "<sha256>  ./<path>" of every regular file under /input, sorted
# h(0)   = seed;  h(i+1) = sha256 of the text "h(i)\n";  result = h(ROUNDS)
# proof  = the four lines "hashchain v1", "rounds N", "seed S", "result R"

rounds() {
    n="${HASHCHAIN_ROUNDS:-1000}"
    case "$n" in
        ''|*[!0-9]*) echo "HASHCHAIN_ROUNDS must be a non-negative integer, got '$n'" >&2; return 2 ;;
    esac
    [ "${#n}" -le 7 ] || { echo "HASHCHAIN_ROUNDS is too large: $n" >&2; return 2; }
    echo "$n"
}

seed() {
    [ -d /input ] || { echo "/input is missing" >&2; return 2; }
    files=$(cd /input && find . -type f | LC_ALL=C sort)
    [ -n "$files" ] || { echo "/input holds no files" >&2; return 2; }
    s=$(cd /input && printf '%s\n' "$files" | while IFS= read -r f; do sha256sum "$f"; done | sha256sum) || return 2
    echo "${s%% *}"
}

chain() {
    h="$1"; n="$2"; i=0
    while [ "$i" -lt "$n" ]; do
        h=$(printf '%s\n' "$h" | sha256sum)
        h="${h%% *}"
        i=$((i + 1))
    done
    echo "$h"
}

proof_text() {
    printf 'hashchain v1\nrounds %s\nseed %s\nresult %s\n' "$1" "$2" "$3"
}
