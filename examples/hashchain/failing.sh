# Failing prover: always exits 3 without output (tests the network's failure and burn paths).
echo "failing: this prover always fails (exit 3)" >&2
exit 3
