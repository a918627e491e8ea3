"""The kit's own tooling, run from the host on any Python 3: the test suite (test_*.py, run by
scripts/test), the benchmark (`python3 -m kit.bench`), and the helpers they share (support,
tools, dap, vscode)."""
