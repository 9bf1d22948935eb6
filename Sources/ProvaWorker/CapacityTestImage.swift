public import Foundation

/// The image of the genesis capacity-test program (DESIGN §7): busybox plus `/usr/local/bin/prova-capacity-test`.
///
/// `prove` burns CPU on every declared core (one SHA-256 stream of 32 MiB per core, in parallel) and writes
/// min(50 % of the declared memory, 256 MiB) into `/tmp`. `/tmp` is a tmpfs whose pages are charged to the
/// container's memory cgroup, so a worker that cannot really give the task that memory is OOM-killed and fails
/// its test. The cap keeps the test to about a second and a quarter GiB of RAM even for workers declaring
/// hundreds of GiB, so devnets and tests stay quick on small machines; it proves the cgroup limit and a real share
/// of memory, not every byte. The results go to `/output/result.txt`.
///
/// `verify` (run with 250m CPU and 64 MiB) checks `/proof/result.txt` against the task's `PROVA_TEST_*`
/// environment: the core count, the bytes written, and the hashes of the first and last core (recomputed).
/// It exits 0 for valid, 1 for invalid.
public enum CapacityTestImage {
    public static let scriptPath = "usr/local/bin/prova-capacity-test"

    /// Builds `<directory>/prova-capacity-test.tar`; the digest is what the genesis names
    /// (`CapacityTestProgram.deploy(imageDigest:)`).
    public static func build(at directory: URL) throws -> (archive: URL, digest: String) {
        try BusyboxImage.build(at: directory, name: "prova-capacity-test", files: [BusyboxImage.File(path: scriptPath, text: script)])
    }

    public static let script = #"""
    #!/bin/sh
    # Prova capacity test: proves that the declared cores and memory are really there.
    #   prova-capacity-test prove    writes /output/result.txt
    #   prova-capacity-test verify   checks /proof/result.txt; exit 0 valid, 1 invalid
    set -eu
    chunk_mib=32
    cap_mib=256
    millicores="${PROVA_TEST_CPU_MILLICORES:-1000}"
    memory="${PROVA_TEST_MEMORY_BYTES:-268435456}"
    cores=$(( (millicores + 999) / 1000 ))
    if [ "$cores" -lt 1 ]; then cores=1; fi
    touch_mib=$(( memory / 2 / 1048576 ))
    if [ "$touch_mib" -gt "$cap_mib" ]; then touch_mib=$cap_mib; fi

    hash_for() {
        { echo "prova-capacity-test-$1"; dd if=/dev/zero bs=1048576 count=$chunk_mib 2>/dev/null; } | sha256sum | cut -d' ' -f1
    }

    prove() {
        i=0
        while [ "$i" -lt "$cores" ]; do
            hash_for "$i" > "/tmp/hash.$i" &
            i=$((i + 1))
        done
        if [ "$touch_mib" -gt 0 ]; then
            dd if=/dev/zero of=/tmp/fill bs=1048576 count="$touch_mib" 2>/dev/null
            touched=$(wc -c < /tmp/fill)
        else
            touched=0
        fi
        wait
        {
            echo "version=1"
            echo "cores=$cores"
            echo "touched_bytes=$touched"
            i=0
            while [ "$i" -lt "$cores" ]; do
                echo "hash_$i=$(cat "/tmp/hash.$i")"
                i=$((i + 1))
            done
        } > /output/result.txt
        rm -f /tmp/fill
    }

    field() {
        sed -n "s/^$1=//p" /proof/result.txt | head -n 1
    }

    invalid() {
        echo "invalid: $*" >&2
        exit 1
    }

    verify() {
        [ -f /proof/result.txt ] || invalid "no result.txt in the proof"
        [ "$(field version)" = "1" ] || invalid "unknown result version"
        [ "$(field cores)" = "$cores" ] || invalid "ran on $(field cores) cores, $cores declared"
        [ "$(field touched_bytes)" = "$((touch_mib * 1048576))" ] || invalid "wrote $(field touched_bytes) bytes of memory, $((touch_mib * 1048576)) expected"
        for i in 0 $((cores - 1)); do
            [ "$(field "hash_$i")" = "$(hash_for "$i")" ] || invalid "core $i computed a wrong hash"
        done
        echo "valid: $cores cores, $touch_mib MiB"
    }

    case "${1:-}" in
        prove) prove ;;
        verify) verify ;;
        *) echo "usage: prova-capacity-test prove|verify" >&2; exit 2 ;;
    esac
    """# + "\n"
}
