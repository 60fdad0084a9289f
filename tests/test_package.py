"""The package as a user meets it: light import, every public name resolves, errors are ValueErrors."""

import importlib
import pkgutil
import subprocess
import sys

import pytest

import microseg as ms

HEAVY = ("matplotlib", "seaborn")


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_microseg_does_not_import_plotting_libraries():
    loaded = _run("import sys, microseg; print(sorted(m for m in sys.modules if m.split('.')[0] in %r))" % (HEAVY,))
    assert loaded == "[]"


def _non_plot_modules():
    names = []
    for info in pkgutil.walk_packages(ms.__path__, prefix="microseg."):
        if info.name.startswith(("microseg.plot", "microseg.reporting")) or info.name == "microseg.cli":
            continue
        names.append(info.name)
    return names


def test_no_computing_module_imports_plotting_libraries():
    mods = _non_plot_modules()
    code = (
        "import sys, importlib\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    assert _run(code) == "[]"


@pytest.mark.parametrize("name", sorted(set(ms.__all__) - {"__version__"}))
def test_every_public_name_resolves(name):
    assert getattr(ms, name) is not None


@pytest.mark.parametrize(
    "package", ["datasets", "profiling", "segment", "lookalike", "privacy", "campaign", "plot", "reporting"]
)
def test_every_subpackage_name_resolves(package):
    mod = importlib.import_module(f"microseg.{package}")
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ms.nope  # noqa: B018


def test_every_error_is_a_value_error():
    for err in (ms.SchemaError, ms.PrivacyError, ms.SensitiveAttributeError, ms.AudienceTooSmallError, ms.IdentifierTypeError):
        assert issubclass(err, ms.MicrosegError) and issubclass(err, ValueError)
    assert issubclass(ms.IdentifierTypeError, TypeError)


def test_ci_runs_exactly_the_readme_test_command():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "pip install \".[test]\"" in line and not line.startswith("#"))
    assert command.strip() in ci
