"""Size of the embed loader (embed/portal.js) as shipped: raw, gzip -9, and its SRI hash.

    python bench/loader_size.py

The budget is 3 KB gzipped (tests/api/test_loader.py enforces it).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from pathlib import Path

LOADER = Path(__file__).resolve().parents[1] / "embed" / "portal.js"
BUDGET_GZIP_BYTES = 3 * 1024


def measure(path: Path = LOADER) -> dict[str, object]:
    body = path.read_bytes()
    gz = len(gzip.compress(body, compresslevel=9, mtime=0))
    sri = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")
    return {"raw_bytes": len(body), "gzip_bytes": gz, "budget_bytes": BUDGET_GZIP_BYTES,
            "integrity": sri}


def main() -> None:
    figures = measure()
    print("| file | raw | gzip -9 | budget (gzip) |")
    print("|---|---|---|---|")
    print(f"| embed/portal.js | {figures['raw_bytes']} B | {figures['gzip_bytes']} B "
          f"| {figures['budget_bytes']} B |")
    print(f"\nintegrity: {figures['integrity']}")


if __name__ == "__main__":
    main()
