from fastapi import APIRouter
from pydantic import BaseModel

from phananh.api.deps import ReadConn
from phananh.directory import service

router = APIRouter(tags=["directory"])


class CategoryOut(BaseModel):
    code: str
    name: str
    name_vi: str
    name_en: str
    hint: str
    group: str
    keywords: list[str]


class AreaOut(BaseModel):
    code: str
    name: str
    kind: str
    lat: float | None
    lon: float | None


class AgencyOut(BaseModel):
    code: str
    name: str
    kind: str
    parent: str | None
    area: str | None
    phone: str | None
    email: str | None


def _page(items: list) -> dict:
    return {"items": items, "total": len(items), "page": 1, "page_size": max(len(items), 1)}


class CategoryList(BaseModel):
    items: list[CategoryOut]
    total: int
    page: int
    page_size: int


class AreaList(BaseModel):
    items: list[AreaOut]
    total: int
    page: int
    page_size: int


class AgencyList(BaseModel):
    items: list[AgencyOut]
    total: int
    page: int
    page_size: int


@router.get("/categories", response_model=CategoryList)
async def list_categories(conn: ReadConn, lang: str = "vi"):
    d = await service.load(conn)
    return _page([
        {"code": c["code"], "name": c["name_en"] if lang == "en" else c["name_vi"], "name_vi": c["name_vi"],
         "name_en": c["name_en"], "hint": c["hint_en"] if lang == "en" else c["hint_vi"], "group": c["group_code"],
         "keywords": list(c["keywords"] or [])}
        for c in sorted(d.categories.values(), key=lambda c: c["id"]) if c["active"]
    ])


@router.get("/areas", response_model=AreaList)
async def list_areas(conn: ReadConn):
    d = await service.load(conn)
    return _page([
        {"code": a["code"], "name": a["name"], "kind": a["kind"], "lat": a["lat"], "lon": a["lon"]}
        for a in sorted(d.areas.values(), key=lambda a: a["name"])
    ])


@router.get("/agencies", response_model=AgencyList)
async def list_agencies(conn: ReadConn):
    d = await service.load(conn)
    return _page([
        {"code": a["code"], "name": a["name"], "kind": a["kind"],
         "parent": d.agency_by_id[a["parent_id"]]["code"] if a["parent_id"] else None,
         "area": d.area_by_id[a["area_id"]]["code"] if a["area_id"] else None,
         "phone": a["phone"], "email": a["email"]}
        for a in sorted(d.agencies.values(), key=lambda a: a["id"]) if a["active"]
    ])
