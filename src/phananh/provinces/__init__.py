"""Province packs: a province's reference data as versioned YAML files (schema.py), loaded by load.py.

The packs shipped with the code live in this folder (`ca-mau`, the demo's province, and `song-hau`, a small
fictitious one); `phananh province load PATH` also takes any folder.
"""

from __future__ import annotations

from pathlib import Path

PACKS_DIR = Path(__file__).resolve().parent
DEFAULT_PACK = "ca-mau"


def pack_path(name_or_path: str) -> Path:
    """A shipped pack by name ("ca-mau"), else the folder given."""
    shipped = PACKS_DIR / name_or_path
    if "/" not in name_or_path and (shipped / "province.yaml").is_file():
        return shipped
    return Path(name_or_path)
