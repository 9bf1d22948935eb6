# Prover: writes /output/proof.txt. Exit 0 done, 2 bad input or environment.
. /prova/hashchain.sh
n=$(rounds) || exit 2
s=$(seed) || exit 2
r=$(chain "$s" "$n")
proof_text "$n" "$s" "$r" > /output/proof.txt || exit 2
echo "hashchain: $n rounds, result $r" >&2
