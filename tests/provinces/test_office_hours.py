"""Office hours are province data (sla.yaml `office_hours`): they reach the policy and the deadline (pure)."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest
import yaml

from phananh.provinces import PACKS_DIR
from phananh.provinces.schema import PackError, read_pack
from phananh.sla import TZ, SlaPolicy, WorkingCalendar, deadline


def _policy(name: str) -> SlaPolicy:
    return SlaPolicy.from_dict({**read_pack(PACKS_DIR / name).sla.policy_data(), "version": 1})


def test_the_packs_office_hours_set_the_deadline():
    song_hau = _policy("song-hau")
    assert song_hau.to_dict()["office_hours"]["mon"] == [["07:30", "11:30"], ["13:30", "17:00"]]
    assert "sat" not in song_hau.to_dict()["office_hours"]
    friday = datetime(2026, 3, 6, 14, 0, tzinfo=TZ)
    due = deadline(friday, "distribute", song_hau, WorkingCalendar([], song_hau.office_hours))
    assert due.astimezone(TZ) == datetime(2026, 3, 9, 8, 30, tzinfo=TZ)  # 3 h on Friday, 1 h from 07:30 Monday
    default = deadline(friday, "distribute", song_hau, WorkingCalendar([]))
    assert default.astimezone(TZ) == datetime(2026, 3, 9, 8, 0, tzinfo=TZ)  # the code's default opens at 07:00
    assert SlaPolicy.from_dict(song_hau.to_dict()) == song_hau


@pytest.mark.parametrize(("hours", "message"), [
    ({"mon": [["11:00", "07:00"]]}, "office_hours.mon: intervals must open before they close and not overlap"),
    ({"mon": [["07:00", "11:00"], ["10:00", "12:00"]]}, "must open before they close and not overlap"),
    ({"monday": [["07:00", "11:00"]]}, "unknown weekday 'monday'"),
    ({"tue": [["7h", "11:00"]]}, 'office_hours.tue: intervals are ["HH:MM", "HH:MM"] pairs'),
])
def test_bad_office_hours_are_refused_with_the_file(tmp_path, hours, message):
    folder = tmp_path / "pack"
    shutil.copytree(PACKS_DIR / "song-hau", folder)
    data = yaml.safe_load((folder / "sla.yaml").read_text(encoding="utf-8"))
    data["office_hours"] = hours
    (folder / "sla.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PackError) as bad:
        read_pack(folder)
    assert bad.value.problems[0].startswith("sla.yaml: office_hours: Value error, ")
    assert message in bad.value.problems[0]
