"""The registration function may read the employee roster, and only there:
the roster's key sits under rosters/, and the policy grants that prefix alone
(never the registration log beside it, which holds phone numbers)."""

from __future__ import annotations

import pytest

from chalicelib import settings
from provision import policies, stages
from tests.least_privilege import allows

BUCKET = stages.options("prod")["event_bucket"]


def test_a_roster_key_outside_rosters_is_refused_when_settings_are_built():
    with pytest.raises(settings.SettingsError, match="EMPLOYEE_ROSTER_KEY"):
        settings.Settings.from_environ({"STAGE": "local", "EMPLOYEE_ROSTER_KEY": "axcl_event.txt"})
    built = settings.Settings.from_environ(
        {"STAGE": "local", "EMPLOYEE_ROSTER_KEY": "rosters/2026.csv"})
    assert built.employee_roster_key == "rosters/2026.csv"


def test_the_registration_function_reads_the_roster_but_not_the_log():
    doc = policies.document(policies.Arns("prod", "*", "*", BUCKET),
                            "connect_event_registration")
    assert allows(doc, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/rosters/2026.csv")
    assert not allows(doc, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/axcl_event.txt")
