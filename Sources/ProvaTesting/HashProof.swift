public import Foundation
import ProvaCore

/// A tiny honest proof system for tests, in the shape of `examples/hashchain`: the proof of `/input/data.txt` is
/// `/output/proof.txt` = `proof-v1\n<sha256 hex of data.txt>\n`; the verifier exits 0 when `/proof/proof.txt` is that
/// text and 1 otherwise. With an input named `hang-first-attempt`, attempt 1 of the prover hangs (so a test can kill
/// its worker mid-run) and later attempts prove normally.
///
/// The pair is written twice, side by side, so that one test body can run at either fidelity and expect the same
/// bytes: as shell scripts for busybox images in real containers, and as programs for `ScriptedRuntime`.
public enum HashProof {
    /// `/bin/sh` script of the prover.
    public static let proveScript = """
        #!/bin/sh
        set -eu
        if [ "$PROVA_ATTEMPT" = "1" ] && [ -f /input/hang-first-attempt ]; then
            echo "attempt 1 hangs" >&2
            sleep 600
        fi
        { echo "proof-v1"; sha256sum /input/data.txt | cut -d' ' -f1; } > /output/proof.txt
        echo "proved on $PROVA_CPU_MILLICORES millicores"
        """

    /// `/bin/sh` script of the verifier.
    public static let verifyScript = """
        #!/bin/sh
        [ -f /proof/proof.txt ] || { echo "no proof" >&2; exit 1; }
        expected="proof-v1
        $(sha256sum /input/data.txt | cut -d' ' -f1)"
        [ "$(cat /proof/proof.txt)" = "$expected" ] || { echo "wrong proof" >&2; exit 1; }
        exit 0
        """

    /// The proof file's content for `data`.
    public static func proof(of data: Data) -> String { "proof-v1\n\(SHA256Hex.of(data))\n" }

    /// The prover as a scripted program (the same behaviour as `proveScript`).
    public static let prover = ScriptedProgram { run in
        if run.attempt == 1, run.input("hang-first-attempt") != nil {
            return ScriptedOutcome(stderr: "attempt 1 hangs\n", delay: .seconds(600))
        }
        guard let data = run.input("data.txt") else {
            return ScriptedOutcome(exitCode: 1, stderr: "sha256sum: /input/data.txt: No such file or directory\n")
        }
        return ScriptedOutcome(outputs: ["proof.txt": Data(proof(of: data).utf8)],
                               stdout: "proved on \(run.environment["PROVA_CPU_MILLICORES"] ?? "") millicores\n")
    }

    /// The verifier as a scripted program (the same behaviour as `verifyScript`).
    public static let verifier = ScriptedProgram { run in
        guard let proof = run.proof("proof.txt") else { return ScriptedOutcome(exitCode: 1, stderr: "no proof\n") }
        // As the shell's `$(cat …)` does, trailing newlines do not count.
        func text(_ data: Data) -> String {
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") { text.removeLast() }
            return text
        }
        guard let data = run.input("data.txt"), text(proof) == text(Data(Self.proof(of: data).utf8)) else {
            return ScriptedOutcome(exitCode: 1, stderr: "wrong proof\n")
        }
        return ScriptedOutcome()
    }

    /// Prover and verifier by role: what `ScriptedRuntime` runs for a program whose two images are this pair.
    public static let program = ScriptedProgram.byRole(prover: prover, verifier: verifier)
}
