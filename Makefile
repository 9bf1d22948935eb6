# Prova: the two commands of the README are `make demo` and `make test`.
SWIFT ?= swift
GROUP ?=

.PHONY: all build test test-unit bench demo setup clean

all: build

## Installs the Debian packages Prova needs when they are missing (run as root).
setup:
	@./scripts/setup.sh

build:
	$(SWIFT) build

## Every test: unit, integration and end-to-end. Serial: on two cores, parallel container-heavy suites only
## compete for the CPU (and every run of a real program has its own wall-clock limit).
test: setup
	$(SWIFT) test --no-parallel

## Only the fast, pure tests (no containers, no processes).
test-unit:
	$(SWIFT) test --filter "ProvaCoreTests|ProvaLedgerTests"

## Benchmarks print `BENCH <name> <value> <unit>`; GROUP=ledger|node|sandbox|e2e|sim picks one group.
bench: setup
	$(SWIFT) build -c release --product prova-bench
	.build/release/prova-bench $(GROUP)

demo: setup
	@./scripts/demo.sh

clean:
	rm -rf .build
