// Only the declaration in include/fuzz_driver.h is needed; libFuzzer defines the function when the fuzzer is linked.
#include "fuzz_driver.h"
