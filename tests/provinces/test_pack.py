"""Province packs: `phananh province load` on an empty database, idempotence, dry run, deactivation, bad packs,
and the whole lifecycle on a second (fictitious) province with its own SLA mode — on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from phananh.app import create_app
from phananh.config import Settings
from phananh.db import create_engine
from phananh.directory import service as directory
from phananh.directory.tables import agencies, areas, categories, routing_rules
from phananh.provinces import PACKS_DIR, load
from phananh.provinces.schema import PackError, read_pack
from phananh.provinces.tables import provinces
from phananh.sla.calendar import TZ
from phananh.sla.tables import calendar_days, sla_clocks, sla_policies
from tests.conftest import DEMO_PASSWORD, Clock, empty_pg_database
from tests.support import report_body

CA_MAU = PACKS_DIR / "ca-mau"
SONG_HAU = PACKS_DIR / "song-hau"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path):
    """A fresh, migrated database without any reference data."""
    from phananh.migrate import upgrade

    if request.param == "sqlite":
        url, drop = f"sqlite+aiosqlite:///{tmp_path / 'pack.db'}", lambda: None
    else:
        url, drop = empty_pg_database("phananh_pack")
    upgrade(url)
    yield url
    directory.invalidate()
    drop()


async def _counts(engine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                for t in (categories, areas, agencies, routing_rules, sla_policies, provinces)}


def _copy(tmp_path, source=SONG_HAU):
    target = tmp_path / "pack"
    shutil.copytree(source, target)
    return target


def _edit(folder, name: str, change) -> None:
    data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    change(data)
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


async def test_ca_mau_pack_loads_into_an_empty_database_then_changes_nothing(empty_url):
    engine = create_engine(empty_url)
    try:
        pack = read_pack(CA_MAU)
        preview = await load.load(engine, pack, dry_run=True)
        assert preview.count("categories", "added") == 14 and preview.count("areas", "added") == 64
        assert (await _counts(engine))["categories"] == 0  # a dry run writes nothing
        first = await load.load(engine, pack)
        assert first.count("agencies", "added") == 81 and first.count("routing", "added") == 142
        assert await _counts(engine) == {"categories": 14, "areas": 64, "agencies": 81, "routing_rules": 142,
                                         "sla_policies": 1, "provinces": 1}
        again = await load.load(engine, pack)
        assert again.empty and again.lines() == ["No changes."]
        async with engine.connect() as conn:
            d = await directory.load(conn)
            dat_mui = d.areas["xa-dat-mui"]
            assert d.suggest_agency(d.categories["khac"]["id"], dat_mui["id"])["code"] == "ubnd-xa-dat-mui"
            assert d.categories["an-ninh-trat-tu"]["sensitive"] is True
            policy = (await conn.execute(select(sla_policies.c.data))).scalar_one()
            assert policy["mode"] == "day_type" and policy["limits"]["respond"]["working_day"] == 240
            jurisdiction = (await conn.execute(select(provinces.c.data))).scalar_one()["open311"]["jurisdiction_id"]
            assert jurisdiction == "camau.gov.vn"
    finally:
        await engine.dispose()


async def test_removed_entries_are_deactivated_and_changes_are_shown(empty_url, tmp_path):
    engine = create_engine(empty_url)
    try:
        await load.load(engine, read_pack(SONG_HAU))
        folder = _copy(tmp_path)
        _edit(folder, "categories.yaml", lambda d: d["categories"].pop())  # "khac" goes
        _edit(folder, "routing.yaml", lambda d: d["default"].pop("khac"))
        _edit(folder, "areas.yaml", lambda d: d["areas"][0].update(name="Phường Vị Giang Mới"))
        diff = await load.load(engine, read_pack(folder))
        assert diff.entries["categories"] == [("deactivated", "khac", ())]
        assert diff.entries["areas"] == [("changed", "phuong-vi-giang", ("name",))]
        assert diff.entries["routing"] == [("removed", "khac @ *", ())]
        async with engine.connect() as conn:
            row = (await conn.execute(select(categories).where(categories.c.code == "khac"))).mappings().one()
            assert row["active"] is False  # kept: reports refer to it
        assert (await load.load(engine, read_pack(folder))).empty
        back = await load.load(engine, read_pack(SONG_HAU))  # the original pack brings it back
        assert back.entries["categories"] == [("reactivated", "khac", ("active",))]
    finally:
        await engine.dispose()


async def test_a_malformed_pack_is_refused_with_file_and_path_and_nothing_is_written(empty_url, tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "categories.yaml", lambda d: d["categories"][1].update(group="khong-co", sensitive="maybe"))
    _edit(folder, "routing.yaml", lambda d: d["default"].update({"giao-thong": "so-khong-co"}))
    with pytest.raises(PackError) as bad:
        read_pack(folder)
    assert "categories.yaml: categories[1].sensitive: Input should be a valid boolean" in bad.value.problems[0]
    (folder / "sla.yaml").write_text("mode: weekly\nlimits: {}\n", encoding="utf-8")
    with pytest.raises(PackError) as bad:
        read_pack(folder)
    assert any(p.startswith("sla.yaml: mode:") for p in bad.value.problems)
    assert any(p.startswith("sla.yaml: limits:") and "distribute" in p for p in bad.value.problems)
    folder = _copy(tmp_path / "second")
    _edit(folder, "categories.yaml", lambda d: d["categories"][1].update(group="khong-co"))
    _edit(folder, "routing.yaml", lambda d: d["default"].update({"giao-thong": "so-khong-co"}))
    with pytest.raises(PackError) as bad:
        read_pack(folder)
    assert bad.value.problems == [
        "categories.yaml: categories[1].group: unknown group 'khong-co' (province.yaml groups: ha-tang, an-ninh, khac)",
        "routing.yaml: default.giao-thong: unknown agency 'so-khong-co'",
    ]
    engine = create_engine(empty_url)
    try:
        assert set((await _counts(engine)).values()) == {0}
    finally:
        await engine.dispose()


def test_cli_province_load_dry_run_and_bad_pack(empty_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from phananh.cli import app
    from phananh.config import get_settings

    monkeypatch.setenv("PHANANH_DATABASE_URL", empty_url)
    get_settings.cache_clear()  # the CLI reads the settings once per process: this run's database, not the last one's
    runner = CliRunner()
    dry = runner.invoke(app, ["province", "load", "song-hau", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run, nothing written" in dry.output and "categories: 6 added" in dry.output
    first = runner.invoke(app, ["province", "load", str(SONG_HAU)])
    assert first.exit_code == 0 and "areas: 5 added" in first.output
    second = runner.invoke(app, ["province", "load", "song-hau"])
    assert second.exit_code == 0 and "No changes." in second.output
    folder = _copy(tmp_path)
    (folder / "areas.yaml").write_text("areas: [{code: X Y, name: '', kind: thon}]\n", encoding="utf-8")
    bad = runner.invoke(app, ["province", "load", str(folder)])
    assert bad.exit_code == 2
    assert "areas.yaml: areas[0].code: String should match pattern" in bad.output
    assert "nothing was written" in bad.output
    get_settings.cache_clear()


async def test_the_whole_lifecycle_runs_on_the_second_province(empty_url, tmp_path):
    """Tỉnh Sông Hậu: other categories, agencies, communes, routing, and SLA counted in office hours."""
    from phananh.demo.seed import seed_users

    engine = create_engine(empty_url)
    await load.load(engine, read_pack(SONG_HAU))
    await seed_users(engine, DEMO_PASSWORD)
    settings = Settings(database_url=empty_url, media_dir=tmp_path / "media", var_dir=tmp_path,
                        demo_password=DEMO_PASSWORD)
    application = create_app(settings)
    application.state.engine = engine
    application.state.clock = clock = Clock()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application),
                                     base_url="http://testserver") as client:
            async def headers(user):
                r = await client.post("/api/v1/auth/login", json={"username": user, "password": DEMO_PASSWORD})
                assert r.status_code == 200, r.text
                return {"Authorization": f"Bearer {r.json()['access_token']}"}

            async def act(report_id, action, body, user):
                r = await client.post(f"/api/v1/reports/{report_id}/actions/{action}", json=body,
                                      headers=await headers(user))
                assert r.status_code == 200, f"{action}: {r.text}"

            # Friday 14:00 local: 4 office hours to distribute are 3 on Friday afternoon and 1 on Monday morning,
            # which opens at 07:30 in Sông Hậu (its sla.yaml office_hours, not the code's default 07:00).
            clock.set(datetime(2026, 3, 6, 14, 0, tzinfo=TZ).astimezone(timezone.utc))
            r = await client.post("/api/v1/reports", json=report_body(
                category="ngap-nuoc", title="Ngập sâu sau mưa ở xã Tân Phú",
                location={"lat": 9.7512, "lon": 105.4313}, address="Ấp 3, xã Tân Phú"))
            assert r.status_code == 201, r.text
            report_id = r.json()["id"]
            async with engine.connect() as conn:
                due = (await conn.execute(select(sla_clocks.c.due_at).where(
                    sla_clocks.c.report_id == report_id, sla_clocks.c.stage == "distribute"))).scalar_one()
                d = await directory.load(conn)
                suggested = d.suggest_agency(d.categories["ngap-nuoc"]["id"], d.areas["xa-tan-phu"]["id"])
            assert due.astimezone(TZ) == datetime(2026, 3, 9, 8, 30, tzinfo=TZ)
            assert suggested["code"] == "ubnd-xa-tan-phu"  # the area rule beats the province-wide one
            view = (await client.get(f"/api/v1/reports/{report_id}", headers=await headers("dispatcher"))).json()
            assert view["area"] == "xa-tan-phu"

            # The pin's commune is the one whose boundary (areas.yaml) holds it, though another centre is nearer.
            r = await client.post("/api/v1/reports", json=report_body(
                category="chieu-sang", title="Đèn đường tắt cả tuần", location={"lat": 9.795, "lon": 105.485},
                address=None))
            assert r.status_code == 201, r.text
            pinned = (await client.get(f"/api/v1/reports/{r.json()['id']}", headers=await headers("dispatcher")))
            assert pinned.json()["area"] == "phuong-vi-giang"

            # Open311 and the maps speak for Sông Hậu (province.yaml), not for Cà Mau.
            found = (await client.get("/open311/v2/discovery.json")).json()
            assert found["contact"] == "Văn phòng UBND tỉnh Sông Hậu — vanphong@songhau.example.vn"
            assert "Cà Mau" not in str(found)
            ours = await client.get("/open311/v2/services.json", params={"jurisdiction_id": "songhau.example.vn"})
            assert ours.status_code == 200 and {s["service_code"] for s in ours.json()} >= {"ngap-nuoc", "khac"}
            theirs = await client.get("/open311/v2/services.json", params={"jurisdiction_id": "camau.gov.vn"})
            assert theirs.status_code == 404
            form = (await client.get("/")).text
            assert 'data-lat="9.7845" data-lon="105.4701" data-zoom="11"' in form
            assert '"phuong-vi-giang", {"coordinates"' in form  # boundaries for the map to fill the commune
            dash = (await client.get("/dashboard")).text
            assert 'data-lat="9.7845" data-lon="105.4701" data-zoom="11"' in dash

            clock.set(datetime(2026, 3, 9, 7, 30, tzinfo=TZ).astimezone(timezone.utc))
            await act(report_id, "assign", {"agency": "ubnd-xa-tan-phu"}, "dispatcher")
            clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=TZ).astimezone(timezone.utc))
            await act(report_id, "respond", {"message": "Đã cử cán bộ khơi thông cống."}, "handler.ubnd-xa-tan-phu")
            await act(report_id, "resolve", {"result": "Đã khơi thông cống, hết ngập."}, "handler.ubnd-xa-tan-phu")
            clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=TZ).astimezone(timezone.utc))
            await act(report_id, "publish", {}, "dispatcher")
            view = (await client.get(f"/api/v1/reports/{report_id}", headers=await headers("dispatcher"))).json()
            assert view["status"] == "published"
            async with engine.connect() as conn:
                clocks = (await conn.execute(select(sla_clocks.c.stage, sla_clocks.c.outcome).where(
                    sla_clocks.c.report_id == report_id).order_by(sla_clocks.c.id))).all()
                extra = (await conn.execute(select(calendar_days.c.kind).where(
                    calendar_days.c.source == "province"))).scalars().all()
            assert [tuple(c) for c in clocks] == [("distribute", "on_time"), ("return", "void"),
                                                  ("respond", "on_time"), ("publish", "on_time")]
            assert extra == ["day_off"]  # Sông Hậu's own day off (calendar.yaml)
    finally:
        await engine.dispose()
