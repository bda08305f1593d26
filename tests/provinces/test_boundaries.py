"""Area boundaries: the ray cast, the pack's GeoJSON checks, and the commune chosen from a pin (pure, no database)."""

from __future__ import annotations

import shutil

import pytest
import yaml

from phananh.config import Settings
from phananh.directory import geometry
from phananh.directory.service import Directory
from phananh.provinces import PACKS_DIR
from phananh.provinces.schema import PackError, read_pack
from phananh.provinces.site import NEUTRAL_MAP, site

SONG_HAU = PACKS_DIR / "song-hau"
SQUARE = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]]
HOLE = [[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0]]  # not closed: rings may leave out the last position


def test_point_in_polygon_with_holes_and_multipolygons():
    donut = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}
    assert geometry.contains(donut, lat=2, lon=2)
    assert not geometry.contains(donut, lat=5, lon=5)  # in the hole
    assert not geometry.contains(donut, lat=5, lon=11)
    assert not geometry.contains(donut, lat=-0.5, lon=5)
    islands = {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[20, 20], [30, 20], [25, 30]]]]}
    assert geometry.contains(islands, lat=22, lon=25) and geometry.contains(islands, lat=9, lon=1)
    assert not geometry.contains(islands, lat=15, lon=15)
    concave = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [5, 2], [0, 10]]]}  # a V
    assert geometry.contains(concave, lat=1, lon=5) and not geometry.contains(concave, lat=8, lon=5)
    assert geometry.bbox(islands) == (0, 0, 30, 30)


def _song_hau_directory() -> Directory:
    pack = read_pack(SONG_HAU)
    d = Directory()
    for i, a in enumerate(pack.areas):
        d.areas[a.code] = {"id": i + 1, "code": a.code, "lat": a.lat, "lon": a.lon, "boundary": a.boundary,
                           "active": True}
    return d


def test_the_pin_takes_the_commune_whose_boundary_holds_it_not_the_nearest_centre():
    d = _song_hau_directory()
    # In Phường Vị Giang's boundary, but nearer Phường Sông Trà's centre.
    assert d.nearest_area(9.795, 105.485)["code"] == "phuong-song-tra"
    assert d.area_at(9.795, 105.485)["code"] == "phuong-vi-giang"
    for code, area in d.areas.items():  # each centre lies in its own commune
        assert d.area_at(area["lat"], area["lon"])["code"] == code
    # Outside every boundary: the nearest centre (within 60 km), else nothing.
    assert d.area_at(9.86, 105.30)["code"] == "xa-long-binh"
    assert d.area_at(12.0, 108.0) is None
    # A deactivated commune takes no pin: its neighbour's centre does.
    d.areas["phuong-vi-giang"]["active"] = False
    d._shapes = d._centres = None
    assert d.area_at(9.795, 105.485)["code"] == "phuong-song-tra"


def test_a_boundary_that_is_not_lon_lat_geojson_is_refused_with_file_and_path(tmp_path):
    folder = tmp_path / "pack"
    shutil.copytree(SONG_HAU, folder)
    data = yaml.safe_load((folder / "areas.yaml").read_text(encoding="utf-8"))
    data["areas"][0]["boundary"]["coordinates"][0] = [[9.78, 105.47], [9.80, 105.49], [9.77, 105.49]]  # lat first
    data["areas"][1]["boundary"] = {"type": "Point", "coordinates": [105.49, 9.80]}
    (folder / "areas.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PackError) as bad:
        read_pack(folder)
    assert bad.value.problems[0].startswith("areas.yaml: areas[0].boundary: Value error, coordinates: polygon 0 "
                                            "ring 0: [9.78, 105.47] is not a [lon, lat] position")
    assert "areas.yaml: areas[1].boundary: Value error, type must be Polygon or MultiPolygon, not 'Point'" \
        in bad.value.problems[1]


def test_map_view_and_open311_come_from_the_pack_and_settings_override_them():
    province = read_pack(SONG_HAU).province.model_dump(mode="json")
    s = site(Settings(), province)
    assert (s.map_center_lat, s.map_center_lon, s.map_zoom) == (9.7845, 105.4701, 11)
    assert s.open311_jurisdiction_id == "songhau.example.vn" and "Sông Hậu" in s.open311_contact
    forced = site(Settings(map_center_lat=10.5, map_zoom=14, open311_jurisdiction_id="x.example"), province)
    assert (forced.map_center_lat, forced.map_center_lon, forced.map_zoom) == (10.5, 105.4701, 14)
    assert forced.open311_jurisdiction_id == "x.example"
    bare = site(Settings(public_url="https://phananh.example.gov.vn"), None)  # no pack loaded yet
    assert (bare.map_center_lat, bare.map_center_lon, bare.map_zoom) == NEUTRAL_MAP
    assert bare.open311_jurisdiction_id == "phananh.example.gov.vn" and bare.open311_contact == ""
