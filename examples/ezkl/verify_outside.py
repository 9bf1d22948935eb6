#!/usr/bin/env python3
"""Verifies an EZKL example proof on the host, outside any sandbox.

Usage: verify_outside.py PROOF INPUT [--artifacts DIR]

Uses the same check as the verifier image (verify.py): the proof's public inputs must equal INPUT
quantized as EZKL does, and ezkl.verify must accept it with the verification key, settings and
SRS that build.sh baked into the verifier image (a copy is kept in <build>/artifacts; the default
is examples/ezkl/build/artifacts). Needs the host's ezkl package, the same pinned version as the
images (build.sh leaves one in <build>/venv: <build>/venv/bin/python verify_outside.py ...).
Exit codes: 0 valid, 1 invalid, 2 error.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree

import verify  # noqa: E402


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Verify an EZKL example proof outside the sandbox.")
    parser.add_argument("proof")
    parser.add_argument("input")
    parser.add_argument("--artifacts", default=os.path.join(HERE, "build", "artifacts"))
    args = parser.parse_args()
    code, message = verify.check(args.proof, args.input, args.artifacts)
    print(f"[verify_outside] {message}", file=sys.stderr, flush=True)
    sys.exit(code)
