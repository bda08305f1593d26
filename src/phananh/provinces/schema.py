"""The province pack's schema: one Pydantic model per YAML file, and `read_pack`, which validates a whole folder.

Every error names the file and the path inside it ("categories.yaml: categories[3].group: unknown group 'x'").
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from phananh.directory import geometry
from phananh.sla.policy import SlaPolicy, Stage

Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
FILES = ("province.yaml", "categories.yaml", "agencies.yaml", "areas.yaml", "routing.yaml", "sla.yaml",
         "calendar.yaml")


class PackError(ValueError):
    """A pack that cannot be loaded; `problems` are "file: path: message" lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class MapView(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    zoom: int = Field(ge=1, le=19)


class Open311(_Strict):
    jurisdiction_id: str = Field(min_length=1)
    contact: str = ""
    key_service: str = ""


class Province(_Strict):
    code: Code
    version: int = Field(ge=1)
    admin_code: str | None = None
    name: str = Field(min_length=1)
    display_name: Names
    timezone: str = "Asia/Ho_Chi_Minh"
    map: MapView
    open311: Open311
    groups: dict[Code, Names] = Field(min_length=1)


class Choice(_Strict):
    key: str = Field(min_length=1)
    name_vi: str
    name_en: str


class Attribute(_Strict):
    """An Open311 question asked with reports of one category."""

    code: Code
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool = False
    position: int = Field(1, ge=1)
    description_vi: str = Field(min_length=1)
    description_en: str = Field(min_length=1)
    datatype_description_vi: str | None = None
    datatype_description_en: str | None = None
    choices: list[Choice] = []

    @model_validator(mode="after")
    def _lists_have_choices(self):
        if self.datatype.endswith("list") and not self.choices:
            raise ValueError("a list question needs choices")
        return self


class Category(_Strict):
    code: Code
    name_vi: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    hint_vi: str = ""
    hint_en: str = ""
    group: Code
    keywords: list[str] = []
    sensitive: bool = False  # the public position is snapped to the commune (reports/visibility.py)
    out_of_scope: bool = False  # shown to guide the citizen; reports are rejected
    attributes: list[Attribute] = []


class Area(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["xa", "phuong", "dac-khu"]
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    admin_code: str | None = None
    # GeoJSON Polygon or MultiPolygon in [lon, lat] order: the pin's commune is the area whose boundary holds it
    # (phananh.directory.geometry), else the nearest centre.
    boundary: dict | None = None

    @field_validator("boundary")
    @classmethod
    def _geojson(cls, v):
        if v is not None and (problem := geometry.boundary_problem(v)):
            raise ValueError(problem)
        return v


class Agency(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["province", "department", "police", "military", "commune"]
    parent: Code | None = None
    area: Code | None = None
    phone: str | None = None
    email: str | None = None


class RuleForArea(_Strict):
    category: Code
    area: Code
    agency: Code


class Routing(_Strict):
    default: dict[Code, Code] = {}
    commune_committee: list[Code] = []
    by_area: list[RuleForArea] = []


class StageLimit(_Strict):
    working_day: int = Field(gt=0, description="minutes")
    day_off: int = Field(gt=0, description="minutes")


class Sla(_Strict):
    mode: Literal["day_type", "office_hours"]
    at_risk_fraction: float = Field(0.25, ge=0, lt=1)
    limits: dict[Stage, StageLimit]
    urgent_limits: dict[Stage, StageLimit] | None = None
    # Office hours per weekday (mon..sun), local time, e.g. mon: [["07:00", "11:00"], ["13:00", "17:00"]]; a
    # weekday left out has none. Unset: Monday–Friday 07:00–11:00 and 13:00–17:00.
    office_hours: dict[str, list[tuple[str, str]]] | None = None

    @field_validator("office_hours")
    @classmethod
    def _office_hours(cls, v):
        if v is not None:
            SlaPolicy.from_dict({"version": 1, "mode": "office_hours", "office_hours": v, "limits": {
                s.value: {"working_day": 1, "day_off": 1} for s in Stage}})  # its checks, its messages
        return v

    @field_validator("limits")
    @classmethod
    def _every_stage(cls, v):
        missing = [s.value for s in Stage if s not in v]
        if missing:
            raise ValueError(f"limits missing for stages: {', '.join(missing)}")
        return v

    def policy_data(self) -> dict:
        """The `phananh.sla.policy.SlaPolicy.from_dict` form (without a version)."""
        def table(t):
            return {s.value: {"working_day": x.working_day, "day_off": x.day_off} for s, x in t.items()}
        return {"mode": self.mode, "limits": table(self.limits),
                "urgent_limits": table(self.urgent_limits) if self.urgent_limits else None,
                "at_risk_fraction": self.at_risk_fraction,
                "office_hours": {d: [list(i) for i in hours] for d, hours in self.office_hours.items()}
                if self.office_hours is not None else None}


class CalendarEntry(_Strict):
    day: date
    kind: Literal["day_off", "working_day"]
    name: str = Field(min_length=1, max_length=200)


class Calendar(_Strict):
    country: str = "VN"  # the `holidays` library's national days off and make-up working days
    days: list[CalendarEntry] = []


class Pack(_Strict):
    path: Path
    province: Province
    categories: list[Category]
    agencies: list[Agency]
    areas: list[Area]
    routing: Routing
    sla: Sla
    calendar: Calendar

    def rules(self) -> list[tuple[str, str | None, str]]:
        """Routing rules (category, area or None for anywhere, agency), expanded; later ones win."""
        out: dict[tuple[str, str | None], str] = {(c, None): a for c, a in self.routing.default.items()}
        committee = {a.area: a.code for a in self.agencies if a.kind == "commune" and a.area}
        for category in self.routing.commune_committee:
            for area in self.areas:
                if area.code in committee:
                    out[(category, area.code)] = committee[area.code]
        for r in self.routing.by_area:
            out[(r.category, r.area)] = r.agency
        return [(c, area, agency) for (c, area), agency in out.items()]


def _read(path: Path, name: str, problems: list[str]):
    file = path / name
    if not file.is_file():
        problems.append(f"{name}: missing file")
        return None
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{name}: not valid YAML: {exc}".replace("\n", " "))
        return None
    if not isinstance(data, dict):
        problems.append(f"{name}: expected a mapping at the top")
        return None
    return data


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _model(model, name: str, data, problems: list[str], key: str | None = None):
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(f"{name}: {_where(tuple(err['loc']))}: {err['msg']}")
        return None


def read_pack(path: str | Path) -> Pack:
    """Read and validate the pack in folder `path`; PackError listing every problem found."""
    path = Path(path)
    if not path.is_dir():
        raise PackError([f"{path}: not a folder"])
    problems: list[str] = []
    raw = {name: _read(path, name, problems) for name in FILES}
    province = _model(Province, "province.yaml", raw["province.yaml"], problems)

    class _Categories(_Strict):
        categories: list[Category] = Field(min_length=1)

    class _Agencies(_Strict):
        agencies: list[Agency] = Field(min_length=1)

    class _Areas(_Strict):
        areas: list[Area] = Field(min_length=1)

    cats = _model(_Categories, "categories.yaml", raw["categories.yaml"], problems)
    ags = _model(_Agencies, "agencies.yaml", raw["agencies.yaml"], problems)
    ars = _model(_Areas, "areas.yaml", raw["areas.yaml"], problems)
    routing = _model(Routing, "routing.yaml", raw["routing.yaml"], problems)
    sla = _model(Sla, "sla.yaml", raw["sla.yaml"], problems)
    calendar = _model(Calendar, "calendar.yaml", raw["calendar.yaml"], problems)
    if problems:
        raise PackError(problems)
    pack = Pack(path=path, province=province, categories=cats.categories, agencies=ags.agencies, areas=ars.areas,
                routing=routing, sla=sla, calendar=calendar)
    problems = _cross_check(pack)
    if problems:
        raise PackError(problems)
    return pack


def _duplicates(name: str, key: str, items: list, problems: list[str]) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            problems.append(f"{name}: {name.split('.')[0]}[{i}].{key}: duplicate {value!r}")
        seen.add(value)
    return seen


def _cross_check(pack: Pack) -> list[str]:
    """References between files: groups, parents, areas, routing targets, unique codes and days."""
    problems: list[str] = []
    cats = _duplicates("categories.yaml", "code", pack.categories, problems)
    areas = _duplicates("areas.yaml", "code", pack.areas, problems)
    agencies = _duplicates("agencies.yaml", "code", pack.agencies, problems)
    for i, c in enumerate(pack.categories):
        if c.group not in pack.province.groups:
            problems.append(f"categories.yaml: categories[{i}].group: unknown group {c.group!r} "
                            f"(province.yaml groups: {', '.join(pack.province.groups)})")
        codes = [a.code for a in c.attributes]
        if len(codes) != len(set(codes)):
            problems.append(f"categories.yaml: categories[{i}].attributes: duplicate code")
    placed: set[str] = set()
    roots = 0
    for i, a in enumerate(pack.agencies):
        if a.parent is None:
            roots += 1
        elif a.parent not in placed:
            problems.append(f"agencies.yaml: agencies[{i}].parent: {a.parent!r} is not an agency listed before it")
        if a.area is not None and a.area not in areas:
            problems.append(f"agencies.yaml: agencies[{i}].area: unknown area {a.area!r}")
        placed.add(a.code)
    if roots != 1:
        problems.append(f"agencies.yaml: agencies: exactly one agency without a parent (the root), found {roots}")
    for i, area in enumerate(pack.areas):
        if (area.lat is None) != (area.lon is None):
            problems.append(f"areas.yaml: areas[{i}]: give both lat and lon, or neither")
    for cat, agency in pack.routing.default.items():
        if cat not in cats:
            problems.append(f"routing.yaml: default.{cat}: unknown category")
        if agency not in agencies:
            problems.append(f"routing.yaml: default.{cat}: unknown agency {agency!r}")
    for i, cat in enumerate(pack.routing.commune_committee):
        if cat not in cats:
            problems.append(f"routing.yaml: commune_committee[{i}]: unknown category {cat!r}")
    for i, r in enumerate(pack.routing.by_area):
        for field, value, known in (("category", r.category, cats), ("area", r.area, areas),
                                    ("agency", r.agency, agencies)):
            if value not in known:
                problems.append(f"routing.yaml: by_area[{i}].{field}: unknown {field} {value!r}")
    days = [d.day for d in pack.calendar.days]
    if len(days) != len(set(days)):
        problems.append("calendar.yaml: days: a date is listed twice")
    return problems


def slug(text: str) -> str:
    """ASCII slug of a Vietnamese name: "Xã Đất Mũi" → "xa-dat-mui" (diacritics dropped, đ → d)."""
    import unicodedata

    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
