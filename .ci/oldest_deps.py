"""Print pip constraints that pin every dependency of pyproject.toml to the oldest version it allows.

CI installs the newest versions for the main test run; this keeps the floors in
``pyproject.toml`` true by running the BTYD tests on the oldest ones too (see
``.ci/run``). Only ``name>=version`` floors are pinned; other specifiers are left
to pip.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

root = Path(__file__).resolve().parents[1]
project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
extras = sys.argv[1:]
requirements = list(project["dependencies"])
for extra in extras:
    requirements += project["optional-dependencies"][extra]
for req in requirements:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)\s*", req)
    if m and m.group(1) != "microseg":
        print(f"{m.group(1)}=={m.group(3)}")
