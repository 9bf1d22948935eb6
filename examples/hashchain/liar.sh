# Lying prover: on the first attempt of a task it exits 0 with a well-formed proof whose result is garbage (the
# network must reject it); on a later attempt (PROVA_ATTEMPT > 1, a fallback) it proves honestly. It stands in for
# a dishonest worker: the network's fallback then delivers the real proof.
. /prova/hashchain.sh
n=$(rounds) || exit 2
s=$(seed) || exit 2
if [ "${PROVA_ATTEMPT:-1}" -gt 1 ]; then
    r=$(chain "$s" "$n")
    proof_text "$n" "$s" "$r" > /output/proof.txt || exit 2
    echo "liar: attempt $PROVA_ATTEMPT, proving honestly" >&2
    exit 0
fi
proof_text "$n" "$s" "$(printf 'not the chain\n' | sha256sum | cut -d' ' -f1)" > /output/proof.txt
echo "liar: wrote a made-up result" >&2
