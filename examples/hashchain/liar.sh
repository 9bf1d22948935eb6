# Lying prover: exits 0 with a well-formed proof whose result is garbage (the network must reject it).
. /prova/hashchain.sh
n=$(rounds) || exit 2
s=$(seed) || exit 2
proof_text "$n" "$s" "$(printf 'not the chain\n' | sha256sum | cut -d' ' -f1)" > /output/proof.txt
echo "liar: wrote a made-up result" >&2
