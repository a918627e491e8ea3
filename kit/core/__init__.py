"""The fast tier: tests that need no Docker (adopt's decisions, the build helper, lint), run by
`python3 scripts/test --fast` in well under a minute, and first by .ci/run."""

import sys
from pathlib import Path

# adopt's modules (scripts/adoption/), importable as scripts/adopt imports them.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "scripts"))
