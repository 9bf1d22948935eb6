# Prova: the two commands of the README are `make demo` and `make test`.
SWIFT ?= swift
GROUP ?=
## Every build is strict: a warning is an error, and a target may import only the targets and products it declares
## (DESIGN §1's module boundaries, held by the compiler). The same flags everywhere, so builds never start over.
SWIFT_BUILD_FLAGS ?= -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error
export SWIFT_BUILD_FLAGS

.PHONY: all build test test-unit fuzz bench demo setup clean

all: build

## Installs the Debian packages Prova needs when they are missing (run as root).
setup:
	@./scripts/setup.sh

build:
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

## Every test: unit, integration and end-to-end. Serial: on two cores, parallel container-heavy suites only
## compete for the CPU (and every run of a real program has its own wall-clock limit).
test: setup
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test --skip-build --no-parallel
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} ./scripts/fuzz.sh

## libFuzzer over transaction decoding, check-on-entry and block application (FUZZ_SECONDS=60 by default).
fuzz:
	./scripts/fuzz.sh

## Only the fast, pure tests (no containers, no processes).
test-unit:
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test --skip-build --filter "ProvaCoreTests|ProvaLedgerTests"

## Benchmarks print `BENCH <name> <value> <unit>`; GROUP=ledger|node|sandbox|e2e|sim|cluster picks one group.
bench: setup
	$(SWIFT) build -c release --product prova-bench
	$(SWIFT) build -c release --product prova
	.build/release/prova-bench $(GROUP)

demo: setup
	@./scripts/demo.sh

clean:
	rm -rf .build
