"""Reading a user's own table: CSV (separator and encoding sniffed), Excel and Parquet.

The format is recognised from the file's first bytes, whatever its name: an
``.xlsx`` renamed ``.csv`` is still read as Excel. CSV text is decoded as
UTF-8 (with or without a byte-order mark) when it is valid UTF-8, otherwise in
the encoding charset-normalizer finds (Latin-1 and Windows-1252 exports from
spreadsheet programs are the common case); the separator is found by
:class:`csv.Sniffer` among ``, ; tab |``. Excel needs the light
``python-calamine`` engine, installed with ``pip install "microseg[excel]"``.

Every way a file can fail to be a table (a folder, an empty file, binary
content, rows with more fields than the header) raises a one-line
:class:`~microseg.errors.MicrosegError` naming the file, the line and the fix.
"""

from __future__ import annotations

import csv
import gzip
import re
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import MicrosegError

__all__ = ["read_table", "EXCEL_EXTRA"]

EXCEL_EXTRA = 'pip install "microseg[excel]"'
_SNIFF_BYTES = 256_000
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_PARQUET = b"PAR1"
_GZIP = b"\x1f\x8b"
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_SINGLE_BYTE = (*_WESTERN, "cp1250", "iso8859_2", "cp1251", "koi8_r", "cp1253", "cp1254", "cp1257", "mac_roman", "cp850")


def _fail(path: Path, what: str) -> MicrosegError:
    return MicrosegError(f"{str(path)!r} {what}")


def _check_path(path: Path, flag: str) -> None:
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir() if p.suffix.lower() in {".csv", ".gz", ".xlsx", ".parquet", ".tsv", ".txt"})
        hint = f" (e.g. {str(path / inside[0])!r})" if inside else ""
        raise _fail(path, f"is a folder, not a file; pass {flag} one file inside it{hint}.")
    if not path.exists():
        raise _fail(path, f"not found; check the path given to {flag} (current folder: {Path.cwd()}).")
    if path.stat().st_size == 0:
        raise _fail(path, "is empty (0 bytes); export the table again, with its header row.")


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(_GZIP):
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(_SNIFF_BYTES)
        except (OSError, EOFError) as err:
            raise _fail(path, f"is a damaged gzip file ({err}); compress the table again.") from None
    return head


def _kind(path: Path, head: bytes) -> str:
    if head.startswith(_PARQUET):
        return "parquet"
    if head.startswith(_OLE):
        return "excel"
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except zipfile.BadZipFile:
            return "binary"
        if any(n.startswith("xl/") for n in names):
            return "excel"
        if any(n.endswith(".ods") or n == "content.xml" for n in names):
            return "excel"
        return "zip"
    return "text"


def _encoding(path: Path, head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as err:
        if err.start >= len(head) - 4:  # a character cut by the end of the sample
            return "utf-8"
    from charset_normalizer import from_bytes

    # single-byte encodings first: on a short sample charset-normalizer can prefer a CJK reading of Latin-1
    results = list(from_bytes(head, cp_isolation=list(_SINGLE_BYTE))) or list(from_bytes(head))
    if not results:
        return "cp1252"
    best = min(results, key=lambda r: r.chaos)
    western = [r for r in results if r.encoding in _WESTERN and r.chaos <= best.chaos + 0.05]
    return (western[0] if western else best).encoding


def _binary(head: bytes) -> int | None:
    """The offset of the first byte that makes the sample binary rather than text, or None."""
    nul = head.find(b"\x00")
    if nul >= 0:
        return nul
    controls = re.search(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]{3,}", head)
    return controls.start() if controls else None


def _separator(path: Path, text: str, flag_sep: str) -> str:
    lines = [ln for ln in text.splitlines()[:200] if ln.strip()]
    if not lines:
        raise _fail(path, "holds no rows, only blank lines; export the table again, with its header row.")
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {s: lines[0].count(s) for s in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_csv(path: Path, head: bytes, sep: str | None, flag: str) -> pd.DataFrame:
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    at = None if utf16 else _binary(head)
    encoding = "binary" if at is not None else _encoding(path, head)
    if encoding == "binary":
        raise _fail(path, f"is not a text table (binary content at byte {at or 0:,}); export it as CSV, "
                          "Excel (.xlsx) or Parquet and pass that file.")  # fmt: skip
    text = head.decode(encoding, errors="replace")
    used_sep = sep if sep is not None else _separator(path, text, flag)
    try:
        with open(path, "rb") as fh:
            gz = fh.read(2) == _GZIP
        df = pd.read_csv(path, sep=used_sep, encoding=encoding, compression="gzip" if gz else None, low_memory=False)
    except pd.errors.EmptyDataError:
        raise _fail(path, "holds no columns; export the table again, with its header row.") from None
    except pd.errors.ParserError as err:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if m:
            want, line, got = m.groups()
            raise _fail(path, f"line {line} has {got} fields where the header has {want}: a separator "
                              f"{used_sep!r} inside a value that is not quoted? Quote that value or fix the line "
                              f"(or pass the right separator with --sep).") from None  # fmt: skip
        raise _fail(path, f"could not be read as CSV ({str(err).splitlines()[0]}); check the separator (--sep) "
                          "and the quoting.") from None  # fmt: skip
    except UnicodeDecodeError as err:
        raise _fail(path, f"is not valid {encoding} text at byte {err.start:,}; save it as UTF-8 and try again.") from None
    if df.shape[1] < 2:
        raise _fail(path, f"read as a single column {list(df.columns)[:1]} with separator {used_sep!r}; pass the "
                          "right one with --sep (e.g. --sep ';' or --sep $'\\t').")  # fmt: skip
    df.attrs["microseg_source"] = {"format": "csv", "encoding": encoding, "sep": used_sep}
    return df


def _read_excel(path: Path, sheet) -> pd.DataFrame:
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        raise _fail(path, f"is an Excel workbook; reading it needs the excel extra: {EXCEL_EXTRA} "
                          "(or save the sheet as CSV).") from None  # fmt: skip
    try:
        df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, engine="calamine")
    except (ValueError, KeyError) as err:
        raise _fail(path, f"could not be read as Excel ({str(err).splitlines()[0][:200]}); save the sheet as CSV "
                          "and pass that file.") from None  # fmt: skip
    if df.empty:
        raise _fail(path, "has an empty first sheet; put the table on the first sheet, with its header row.")
    df.attrs["microseg_source"] = {"format": "excel"}
    return df


def read_table(path, *, sep: str | None = None, sheet=None, flag: str = "the data argument") -> pd.DataFrame:
    """Read a table from CSV (optionally gzipped), Excel or Parquet, recognised from its content.

    Parameters
    ----------
    path : str or Path
    sep : str, optional
        CSV separator (default: sniffed among ``, ; tab |``).
    sheet : str or int, optional
        Excel sheet (default: the first).
    flag : str
        How the user named this file, for messages (``"--transactions"``).

    Returns
    -------
    pandas.DataFrame
        With ``attrs["microseg_source"]`` saying how it was read.

    Raises
    ------
    MicrosegError
        A one-line message naming the file and the fix: a folder, a missing or
        empty file, binary content, ragged rows, Excel without its engine.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("name;city\\nZoë;Köln\\n".encode("latin-1"))
    >>> df = read_table(p)
    >>> df.iloc[0].tolist(), df.attrs["microseg_source"]["sep"]
    (['Zoë', 'Köln'], ';')
    >>> try:
    ...     read_table(p.parent)
    ... except MicrosegError as err:
    ...     print(str(err).split("'", 2)[2][:60])
     is a folder, not a file; pass the data argument one file in
    """
    path = Path(path)
    _check_path(path, flag)
    head = _head(path)
    if not head.strip():
        raise _fail(path, "holds only blank lines; export the table again, with its header row.")
    kind = _kind(path, head)
    if kind == "parquet":
        try:
            df = pd.read_parquet(path)
        except (OSError, ValueError) as err:
            raise _fail(path, f"is a damaged Parquet file ({str(err).splitlines()[0][:200]}); write it again.") from None
        df.attrs["microseg_source"] = {"format": "parquet"}
        return df
    if kind == "excel":
        return _read_excel(path, sheet)
    if kind in ("zip", "binary"):
        raise _fail(path, "is a zip archive, not a table; unzip it and pass the CSV, Excel or Parquet file inside.")
    return _read_csv(path, head, sep, flag)
