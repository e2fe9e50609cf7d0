"""Write the Explorer verbs into the Inno Setup script's [Registry] section.

The layout lives in :mod:`photosort.system.explorer`; this turns it into
Inno Setup lines for ``{app}\\PhotoSort.exe`` and replaces the block between
the ``BEGIN GENERATED`` / ``END GENERATED`` comments of ``photosort.iss``::

    uv run python packaging/sync_installer.py           # rewrite the block
    uv run python packaging/sync_installer.py --check   # exit 1 if it is stale

Every line carries ``uninsdeletekey``, so uninstalling removes the verb keys
(with their ``command`` subkeys) whoever wrote them, the installer or the
app's own toggle.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from photosort.system.explorer import GUI_EXE_NAME, verb_values  # noqa: E402

ISS = ROOT / "packaging" / "photosort.iss"
APP_EXE = "{app}\\" + GUI_EXE_NAME  # an Inno Setup constant, left unescaped
TASK = "explorerverbs"
BEGIN = "; BEGIN GENERATED"
END = "; END GENERATED"
_SENTINEL = "\x00APP\x00"


def inno_quote(text: str) -> str:
    """A quoted Inno Setup parameter value: ``"`` doubled, ``{`` doubled."""
    return '"' + text.replace('"', '""').replace("{", "{{") + '"'


def registry_lines() -> list[str]:
    """The [Registry] entries for the verbs, in creation order."""
    lines = []
    for value in verb_values(_SENTINEL):
        data = inno_quote(value.data).replace(_SENTINEL, APP_EXE)
        lines.append(
            f"Root: HKCU; Subkey: {inno_quote(value.key)}; ValueType: string; "
            f"ValueName: {inno_quote(value.name)}; ValueData: {data}; "
            f"Tasks: {TASK}; Flags: uninsdeletekey"
        )
    return lines


def synced(script: str) -> str:
    """``script`` with its generated block replaced by :func:`registry_lines`."""
    lines = script.splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith(BEGIN))
    end = next(i for i, line in enumerate(lines) if line.startswith(END))
    if end < begin:
        raise ValueError("END GENERATED comes before BEGIN GENERATED")
    return "\n".join(lines[: begin + 1] + registry_lines() + lines[end:]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if out of date")
    args = parser.parse_args(argv)
    current = ISS.read_text(encoding="utf-8")
    wanted = synced(current)
    if current == wanted:
        print(f"{ISS.name}: [Registry] is up to date")
        return 0
    if args.check:
        print(f"{ISS.name}: [Registry] is out of date; run packaging/sync_installer.py", file=sys.stderr)
        return 1
    ISS.write_text(wanted, encoding="utf-8", newline="\n")
    print(f"{ISS.name}: [Registry] rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
