"""python -m scripts.load_reservations FILE --stage local, from CSV and JSON."""

from __future__ import annotations

import json

import pytest

from chalicelib import reservations
from scripts import load_reservations

pytestmark = pytest.mark.stack

HEADER = ("reservationNumber,customerName,customerPhone,partnerId,partnerName,partnerPhone,"
          "serviceName,startsAt,partySize\n")


def test_csv_is_loaded_with_canonical_numbers_and_e164_phones(stack_env, tmp_path, capsys):
    path = tmp_path / "reservations.csv"
    path.write_text(HEADER + "tt-100200300,정하늘,010-3333-4444,P009,숲속 글램핑,"
                    "010-7777-8888,카라반 1박,2027-03-01T15:00:00+09:00,3\n", encoding="utf-8")
    assert load_reservations.main([str(path), "--stage", "local"]) == 0
    assert "1건" in capsys.readouterr().out
    item = reservations.get("TT100200300")
    assert item["customerPhone"] == "+821033334444"
    assert item["partnerPhone"] == "+821077778888"
    assert item["partySize"] == 3 and item["customerName"] == "정하늘"


def test_json_is_loaded(stack_env, tmp_path):
    path = tmp_path / "reservations.json"
    path.write_text(json.dumps([{"reservationNumber": "JS-55500011", "customerPhone":
                                 "+821012120000", "partnerId": "P010",
                                 "partnerPhone": "01034340000"}]), encoding="utf-8")
    assert load_reservations.main([str(path), "--stage", "local"]) == 0
    assert reservations.get("JS55500011")["partnerPhone"] == "+821034340000"


def test_a_bad_row_loads_nothing_and_says_why_in_korean(stack_env, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER
                    + "QQ200300400,가,010-1111-0000,P1,파트너,010-2222-0000,s,2027-01-01,2\n"
                    + "QQ200300401,나,010-1111-0001,P1,파트너,,s,2027-01-01,2\n",
                    encoding="utf-8")
    assert load_reservations.main([str(path), "--stage", "local"]) == 2
    assert "partnerPhone" in capsys.readouterr().err
    assert reservations.get("QQ200300400") is None


def test_partner_ids_are_short_keys(stack_env):
    from chalicelib import reservations

    assert reservations.MAX_PARTNER_ID_BYTES == 16
    record = {"reservationNumber": "ZZ99887766", "customerPhone": "010-1111-2222",
              "partnerId": "P" * 17, "partnerPhone": "010-3333-4444"}
    with pytest.raises(ValueError, match="제휴점 ID"):
        reservations.load([record])
    assert reservations.get("ZZ99887766") is None
