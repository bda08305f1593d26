"""The English msgids that the web interfaces show, found in their templates and Python files."""

from __future__ import annotations

import ast
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "phananh" / "web"
# _("..."), web._('...'), and the Field/label tables of labels.py, forms.py and admin.py
_CALL = re.compile(r"""(?<![A-Za-z0-9])_\(\s*(?P<q>["'])(?P<id>(?:\\.|(?!(?P=q)).)+)(?P=q)""")
TABLE_FILES = ("labels.py", "forms.py", "admin.py", "admin_more.py")


def _strings_in_tables(path: Path) -> set[str]:
    """String constants of module-level dicts/lists (label tables), except dict keys and codes."""
    out: set[str] = set()
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            out |= {v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and k.value in ("title", "note") and isinstance(v, ast.Constant):
                    out.add(v.value)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Field" and len(node.args) >= 2:
            label = node.args[1]
            if isinstance(label, ast.Constant):
                out.add(label.value)
    # codes and routes are not text
    return {s for s in out if " " in s or s[:1].isupper()} - {s for s in out if s.startswith("/")}


def web_msgids() -> set[str]:
    ids: set[str] = set()
    for path in list(WEB.rglob("*.html")) + list(WEB.glob("*.py")):
        for m in _CALL.finditer(path.read_text()):
            ids.add(m.group("id").encode().decode("unicode_escape").encode("latin-1").decode("utf-8"))
    for name in TABLE_FILES:
        ids |= _strings_in_tables(WEB / name)
    return {i for i in ids if "{{" not in i}
