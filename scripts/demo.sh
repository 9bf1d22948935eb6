#!/usr/bin/env bash
# `make demo`: for now, builds Prova and shows what the demo will do once the node and workers exist.
set -euo pipefail
swift build --product prova
cat <<'TEXT'
Prova demo (in progress)
  The ledger is built and tested (`make test`). The demo will:
  1. start a devnet: one validator and four worker daemons on this machine (`prova devnet`);
  2. build the EZKL prover and verifier images and deploy them (`prova program deploy`);
  3. request a real Halo2 proof, watch it assigned at random, proven in a runc sandbox,
     verified by three other workers and paid (`prova proof request --wait`).
TEXT
