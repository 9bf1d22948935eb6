#!/usr/bin/env python3
"""Build-time setup for the Prova EZKL example (runs on the build host, never in the sandbox).

Creates a tiny ONNX model (a 4 -> 8 -> 2 MLP with fixed weights, built with the `onnx` helper
API, no torch), then runs EZKL's one-time setup: settings, calibration, circuit compilation,
a locally generated SRS (DEMO ONLY: `gen_srs` makes a toxic-waste-known SRS; production must use
a public ceremony SRS via `get_srs`), and the proving and verification keys.

Usage: setup_circuit.py OUT_DIR SAMPLE_INPUT
Writes into OUT_DIR: network.onnx, calibration.json, settings.json, network.compiled, kzg.srs,
pk.key, vk.key, and check/ (a trial proof of SAMPLE_INPUT, made and verified here).
"""
import asyncio
import inspect
import json
import os
import sys
import time

import ezkl
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LOGROWS_MAX = 17


async def run(value):
    """Some ezkl calls return awaitables in recent versions: await them when they do."""
    if inspect.isawaitable(value):
        return await value
    return value


def make_model(path):
    rng = np.random.default_rng(20240527)
    w1 = (rng.standard_normal((8, 4)) * 0.5).astype(np.float32)
    b1 = (rng.standard_normal(8) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((2, 8)) * 0.5).astype(np.float32)
    b2 = (rng.standard_normal(2) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["hr"]),
        helper.make_node("Gemm", ["hr", "w2", "b2"], ["output"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "prova_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2])],
        initializer=[
            numpy_helper.from_array(w1, "w1"),
            numpy_helper.from_array(b1, "b1"),
            numpy_helper.from_array(w2, "w2"),
            numpy_helper.from_array(b2, "b2"),
        ],
    )
    model = helper.make_model(graph, producer_name="prova-example", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def step(message):
    print(f"[setup] {message}", flush=True)


async def main(out, sample):
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)
    started = time.time()

    step("model: 4 -> 8 -> 2 MLP")
    make_model(p("network.onnx"))

    rng = np.random.default_rng(7)
    with open(p("calibration.json"), "w") as f:
        json.dump({"input_data": [rng.uniform(-1, 1, size=(20 * 4,)).round(4).tolist()]}, f)

    step("gen_settings (input and output public, parameters fixed)")
    args = ezkl.PyRunArgs()
    args.input_visibility = "public"
    args.output_visibility = "public"
    args.param_visibility = "fixed"
    assert await run(ezkl.gen_settings(p("network.onnx"), p("settings.json"), py_run_args=args))

    step("calibrate_settings")
    await run(ezkl.calibrate_settings(p("calibration.json"), p("network.onnx"), p("settings.json"), "resources",
                                      max_logrows=LOGROWS_MAX))
    step("compile_circuit")
    assert await run(ezkl.compile_circuit(p("network.onnx"), p("network.compiled"), p("settings.json")))

    with open(p("settings.json")) as f:
        logrows = json.load(f)["run_args"]["logrows"]
    step(f"gen_srs logrows={logrows} (LOCAL DEMO SRS, not from a ceremony)")
    await run(ezkl.gen_srs(p("kzg.srs"), logrows))

    step("setup (proving and verification keys)")
    assert await run(ezkl.setup(p("network.compiled"), p("vk.key"), p("pk.key"), srs_path=p("kzg.srs")))

    step("trial proof of the sample input")
    check = p("check")
    os.makedirs(check, exist_ok=True)
    await run(ezkl.gen_witness(sample, p("network.compiled"), os.path.join(check, "witness.json"),
                               vk_path=p("vk.key"), srs_path=p("kzg.srs")))
    await run(ezkl.prove(os.path.join(check, "witness.json"), p("network.compiled"), p("pk.key"),
                         os.path.join(check, "proof.json"), srs_path=p("kzg.srs")))
    ok = await run(ezkl.verify(os.path.join(check, "proof.json"), p("settings.json"), p("vk.key"),
                               srs_path=p("kzg.srs")))
    if not ok:
        raise SystemExit("[setup] the trial proof did not verify")
    step(f"done in {time.time() - started:.1f}s")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: setup_circuit.py OUT_DIR SAMPLE_INPUT")
    asyncio.run(main(sys.argv[1], sys.argv[2]))
