import json
from dataclasses import replace
from datetime import timedelta

import pytest

from phananh.sla import SlaPolicy, Stage
from tests.sla.support import CA_MAU_PACK

H = timedelta(hours=1)


def test_ca_mau_pack_limits_are_the_seed_table():
    p = CA_MAU_PACK
    assert (p.version, p.mode, p.at_risk_fraction) == (1, "day_type", 0.25)
    table = {s.value: (p.limit(s, working_day=True), p.limit(s, working_day=False)) for s in Stage}
    assert table == {
        "distribute": (2 * H, 12 * H),
        "return": (1 * H, 12 * H),
        "respond": (4 * H, 24 * H),
        "publish": (2 * H, 12 * H),
    }


def test_urgent_limits_and_fallback():
    assert CA_MAU_PACK.limit("return", working_day=True, urgent=True) == H / 2
    assert CA_MAU_PACK.limit("respond", working_day=False, urgent=True) == 4 * H
    partial = replace(CA_MAU_PACK, urgent_limits={"distribute": (H, 2 * H)})
    assert partial.limit("publish", working_day=True, urgent=True) == 2 * H
    no_urgent = replace(CA_MAU_PACK, urgent_limits=None)
    assert no_urgent.limit("distribute", working_day=True, urgent=True) == 2 * H


def test_round_trips_through_json():
    stored = json.dumps(CA_MAU_PACK.to_dict())
    assert json.loads(stored)["limits"]["respond"] == {"working_day": 240, "day_off": 1440}
    assert SlaPolicy.from_dict(json.loads(stored)) == CA_MAU_PACK


@pytest.mark.parametrize(
    "change",
    [
        {"mode": "wall_clock"},
        {"limits": {"distribute": (H, H)}},
        {"limits": {**CA_MAU_PACK.limits, "respond": (timedelta(0), H)}},
        {"limits": {**CA_MAU_PACK.limits, "respond": (timedelta(seconds=90), H)}},
        {"urgent_limits": {"triage": (H, H)}},
        {"at_risk_fraction": 1.0},
    ],
)
def test_invalid_policies_are_refused(change):
    with pytest.raises(ValueError):
        replace(CA_MAU_PACK, **change)


def test_unknown_stage_is_refused():
    with pytest.raises(ValueError):
        CA_MAU_PACK.limit("triage", working_day=True)
