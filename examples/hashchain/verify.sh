# Verifier: recomputes the chain over /input and compares with /proof/proof.txt.
# Exit 0 valid, 1 invalid (missing or different proof), 2 error (bad input or environment).
. /prova/hashchain.sh
n=$(rounds) || exit 2
s=$(seed) || exit 2
[ -f /proof/proof.txt ] || { echo "invalid: /proof/proof.txt is missing" >&2; exit 1; }
expected=$(proof_text "$n" "$s" "$(chain "$s" "$n")")
actual=$(cat /proof/proof.txt) || { echo "invalid: /proof/proof.txt is unreadable" >&2; exit 1; }
if [ "$actual" = "$expected" ]; then
    echo "valid: $n rounds" >&2
    exit 0
fi
echo "invalid: the proof does not match the recomputed chain" >&2
exit 1
