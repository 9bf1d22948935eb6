#ifndef PROVA_FUZZ_DRIVER_H
#define PROVA_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (LLVM 11+), linked by `-sanitize=fuzzer`: runs the fuzzing loop with `callback` as the target.
/// Declared here so `prova-fuzz` keeps its own `main` (SwiftPM links executables through one) instead of libFuzzer's.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
