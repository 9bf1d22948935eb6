#!/usr/bin/python3
"""Prova EZKL prover: proves the baked 4 -> 8 -> 2 MLP on /input/input.json.

Runs inside Prova's sandbox (read-only root, no network, /input read-only, /output writable,
/tmp small). Everything heavy (compiled circuit, proving key, SRS) is baked into the image under
/opt/prova-ezkl/artifacts.

Writes:
  /output/proof.json    the EZKL proof (its public instances are the quantized input and output)
  /output/witness.json  the witness EZKL computed
  /output/public.json   {"inputs": [...], "outputs": [...]} as floats, for humans and clients

Exit codes: 0 proved, 2 the input is malformed, 1 anything else failed.
"""
import os

# The root file system is read-only: anything that wants a home or a cache gets /tmp.
for name, value in (("HOME", "/tmp"), ("XDG_CACHE_HOME", "/tmp/.cache"), ("EZKL_REPO_PATH", "/tmp/.ezkl")):
    os.environ.setdefault(name, value)

import argparse
import asyncio
import inspect
import json
import sys
import time

ARTIFACTS = "/opt/prova-ezkl/artifacts"


def log(message):
    print(f"[prove] {message}", file=sys.stderr, flush=True)


async def run(value):
    """ezkl returns awaitables from some calls in recent versions."""
    if inspect.isawaitable(value):
        return await value
    return value


def load_input(path, settings):
    """Checks that the input has the shape the circuit was compiled for."""
    with open(path) as f:
        data = json.load(f)
    rows = data.get("input_data") if isinstance(data, dict) else None
    shapes = settings["model_instance_shapes"]
    expected = 1
    for d in shapes[0]:
        expected *= d
    if not isinstance(rows, list) or len(rows) != 1 or not isinstance(rows[0], list):
        raise ValueError('expected {"input_data": [[x1, x2, ...]]}')
    values = rows[0]
    if len(values) != expected or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise ValueError(f"input_data[0] must hold {expected} numbers, got {values!r}"[:300])
    return values


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", default="/input/input.json")
    parser.add_argument("--output", default="/output")
    parser.add_argument("--artifacts", default=ARTIFACTS)
    args = parser.parse_args()
    a = lambda name: os.path.join(args.artifacts, name)
    o = lambda name: os.path.join(args.output, name)

    import ezkl

    with open(a("settings.json")) as f:
        settings = json.load(f)
    try:
        load_input(args.input, settings)
    except (OSError, ValueError) as error:
        log(f"bad input {args.input}: {error}")
        return 2

    started = time.monotonic()
    await run(ezkl.gen_witness(args.input, a("network.compiled"), o("witness.json"),
                               vk_path=None, srs_path=a("kzg.srs")))
    witness_done = time.monotonic()
    log(f"witness in {witness_done - started:.2f}s")
    await run(ezkl.prove(o("witness.json"), a("network.compiled"), a("pk.key"), o("proof.json"),
                         srs_path=a("kzg.srs")))
    log(f"proof in {time.monotonic() - witness_done:.2f}s")

    with open(o("witness.json")) as f:
        pretty = json.load(f).get("pretty_elements") or {}
    with open(o("public.json"), "w") as f:
        json.dump({"inputs": pretty.get("rescaled_inputs"), "outputs": pretty.get("rescaled_outputs"),
                   "ezkl": settings.get("version")}, f)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except Exception as error:  # noqa: BLE001 - report and fail with exit 1
        log(f"failed: {type(error).__name__}: {error}")
        sys.exit(1)
