"""Safe writes: a file microseg writes appears whole or not at all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from microseg._files import atomic_write, write_csv, write_text
from microseg.errors import MicrosegError

# a large export (hashing, then a CSV of ~25 MB written in chunks by pandas)
WRITER = textwrap.dedent(
    """
    import sys, warnings
    import pandas as pd
    from microseg.privacy import export_audience
    n = int(sys.argv[2])
    aud = pd.DataFrame({"email": [f"person{i}@example.com" for i in range(n)], "opted_out": False, "ads_opt_in": True})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_audience(aud, platform="meta", updated=None, include_raw=True, path=sys.argv[1])
    """
)


def _kill_while_writing(path: Path, n: int = 300_000) -> tuple[int, int]:
    """Start an export to ``path``, SIGKILL it once its temporary file is being filled; return (temp size, exit code)."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(n)])
    seen = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            tmp = [p for p in path.parent.glob(f".{path.name}.*.tmp")]
            size = tmp[0].stat().st_size if tmp and tmp[0].exists() else 0
            if size > 0:
                seen = size
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
    finally:
        if proc.poll() is None and not seen:
            proc.kill()
        proc.wait()
    return seen, proc.returncode


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_an_export_killed_mid_way_leaves_no_file_or_the_previous_complete_one(tmp_path):
    path = tmp_path / "audience.csv"
    seen, code = _kill_while_writing(path)
    assert code == -signal.SIGKILL and seen > 0  # killed while the temporary file was being written
    assert not path.exists()  # no file: nothing truncated at the upload path

    previous = "email\n" + "\n".join("a" * 64 for _ in range(200)) + "\n"
    path.write_text(previous)
    seen, code = _kill_while_writing(path)
    assert code == -signal.SIGKILL and seen > 0
    assert path.read_text() == previous  # the previous complete file, untouched
    leftovers = list(tmp_path.glob(".audience.csv.*.tmp"))
    assert leftovers and all(p.stat().st_size < 25_000_000 for p in leftovers)  # only the hidden, partial temp files


def test_an_exception_while_writing_keeps_the_previous_file_and_removes_the_temporary_one(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as fh:
            fh.write("new, half")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_safe_writes_replace_the_file_and_keep_its_permissions(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("old")
    os.chmod(path, 0o640)
    write_csv(pd.DataFrame({"a": [1, 2]}), path, index=False)
    assert path.read_text() == "a\n1\n2\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert write_text(tmp_path / "y.txt", "é").read_text(encoding="utf-8") == "é"


def test_a_missing_folder_or_a_folder_as_path_is_refused_with_the_fix(tmp_path):
    with pytest.raises(MicrosegError, match="does not exist; create it first"):
        write_text(tmp_path / "nope" / "a.txt", "x")
    with pytest.raises(MicrosegError, match="is a folder; pass a file path"):
        write_text(tmp_path, "x")


def test_every_file_microseg_writes_goes_through_the_safe_writer():
    """No module writes a file by itself: to_csv(path), write_text, savefig(path) and open(..., 'w') live in _files only."""
    import re

    root = Path(__file__).resolve().parents[1] / "microseg"
    pattern = re.compile(r"\.to_csv\((?!fh)|\.write_text\(|\.write_bytes\(|savefig\((?!buf)|open\([^)]*['\"][wa]b?['\"]")
    offenders = []
    for p in root.rglob("*.py"):
        if p.name == "_files.py":
            continue
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith((">>>", "#")):
                offenders.append(f"{p.relative_to(root)}:{i}: {line.strip()}")
    assert offenders == []
