#!/usr/bin/python3
"""Prova EZKL verifier: checks /proof/proof.json against /input/input.json.

A proof is valid when (1) its public instances hold exactly the input of /input/input.json,
quantized the way EZKL does (float_to_felt at the circuit's input scale), and (2) EZKL verifies
it with the baked verification key, settings and SRS (/opt/prova-ezkl/artifacts).

Exit codes: 0 valid; 1 invalid (bad, tampered or missing proof, or a proof of another input);
2 error (the verifier itself cannot judge: malformed input, missing baked files, ezkl missing).
"""
import os

for name, value in (("HOME", "/tmp"), ("XDG_CACHE_HOME", "/tmp/.cache"), ("EZKL_REPO_PATH", "/tmp/.ezkl")):
    os.environ.setdefault(name, value)

import argparse
import json
import sys

ARTIFACTS = "/opt/prova-ezkl/artifacts"
VALID, INVALID, ERROR = 0, 1, 2


class Verdict(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _input_type(ezkl, settings):
    name = (settings.get("input_types") or ["F32"])[0]
    return getattr(ezkl.PyInputType, name, ezkl.PyInputType.F32)


def check(proof_path, input_path, artifacts=ARTIFACTS):
    """Returns (exit code, message)."""
    try:
        import ezkl
    except ImportError as error:
        return ERROR, f"the ezkl Python package is not importable ({error}); pip install ezkl==23.0.5"
    a = lambda name: os.path.join(artifacts, name)
    try:
        for name in ("settings.json", "vk.key", "kzg.srs"):
            if not os.path.isfile(a(name)):
                raise Verdict(ERROR, f"baked artefact {a(name)} is missing")
        with open(a("settings.json")) as f:
            settings = json.load(f)
        shapes = settings["model_instance_shapes"]
        n_in = _count(shapes[0])
        n_total = sum(_count(s) for s in shapes)
        input_scale = settings["model_input_scales"][0]
        output_scale = settings["model_output_scales"][0]

        try:
            with open(input_path) as f:
                rows = json.load(f)["input_data"]
            values = rows[0]
            if len(rows) != 1 or len(values) != n_in:
                raise ValueError(f"expected one row of {n_in} numbers")
            expected = [ezkl.float_to_felt(float(v), input_scale, _input_type(ezkl, settings)).lower() for v in values]
        except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
            raise Verdict(ERROR, f"cannot read the task input {input_path}: {error}")

        try:
            with open(proof_path) as f:
                proof = json.load(f)
            instances = proof["instances"]
            if not isinstance(instances, list) or len(instances) != 1 or not isinstance(instances[0], list):
                raise ValueError("instances must be a list holding one list")
            public = [str(x).lower() for x in instances[0]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise Verdict(INVALID, f"proof {proof_path} is missing or malformed: {error}")
        if len(public) != n_total:
            raise Verdict(INVALID, f"the proof has {len(public)} public instances, the circuit {n_total}")
        if public[:n_in] != expected:
            raise Verdict(INVALID, "the proof's public inputs do not match the task input")

        try:
            ok = ezkl.verify(proof_path, a("settings.json"), a("vk.key"), srs_path=a("kzg.srs"))
        except RuntimeError as error:
            raise Verdict(INVALID, f"ezkl rejected the proof: {error}")
        if ok is not True:
            raise Verdict(INVALID, "ezkl rejected the proof")
        outputs = [ezkl.felt_to_float(x, output_scale) for x in public[n_in:]]
        return VALID, f"valid: inputs match, proof verifies; proven outputs {outputs}"
    except Verdict as verdict:
        return verdict.code, verdict.message
    except Exception as error:  # noqa: BLE001 - anything unexpected is the verifier's error
        return ERROR, f"verifier error: {type(error).__name__}: {error}"


def main(argv=None, default_artifacts=ARTIFACTS):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proof", default="/proof/proof.json")
    parser.add_argument("--input", default="/input/input.json")
    parser.add_argument("--artifacts", default=default_artifacts)
    args = parser.parse_args(argv)
    code, message = check(args.proof, args.input, args.artifacts)
    print(f"[verify] {message}", file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
