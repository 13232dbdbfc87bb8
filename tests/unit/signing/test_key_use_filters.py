"""#17 item 5: the auditors' search is read strictly (a typed time in Shanghai time, its end inclusive; a digest in
hex) and refused naming the field and rule; a use can never carry content instead of a digest."""

from __future__ import annotations

import hashlib

import pytest

from domain.signing.model import is_digest
from engine.signing.audit import safe_digest
from engine.signing.audit_queries import FiltersRefused, parse_filters


def test_times_are_shanghai_time_unless_zoned_and_the_end_covers_what_was_typed():
    day = parse_filters({"time_from": "2026-03-01", "time_to": "2026-03-01"})
    assert (day.time_from, day.time_to) == ("2026-03-01T00:00:00.000000+08:00", "2026-03-02T00:00:00.000000+08:00")
    minute = parse_filters({"time_to": "2026-03-01T09:30"})
    assert minute.time_to == "2026-03-01T09:31:00.000000+08:00"
    second = parse_filters({"time_to": "2026-03-01 09:30:15"})
    assert second.time_to == "2026-03-01T09:30:16.000000+08:00"
    zoned = parse_filters({"time_from": "2026-03-01T01:30:00+00:00"})
    assert zoned.time_from == "2026-03-01T09:30:00.000000+08:00"


def test_a_digest_is_read_in_lowercase_hex_and_may_be_its_start():
    assert parse_filters({"digest": " ABCDEF12 "}).digest == "abcdef12"


def test_unreadable_filters_are_refused_each_naming_its_field_and_rule_in_chinese_and_english():
    with pytest.raises(FiltersRefused) as refused:
        parse_filters({"time_from": "last week", "time_to": "2026-02-30", "digest": "xyz"})
    errors = {e.field: e for e in refused.value.errors}
    assert set(errors) == {"time_from", "time_to", "digest"}
    assert errors["time_to"].rule == "datetime" and errors["digest"].rule == "sha256_hex"
    assert all(e.message_zh and e.message_en for e in errors.values())


def test_a_use_that_carries_anything_but_a_sha256_has_it_hashed_before_it_is_kept():
    content = "<CEB311Message>secret order</CEB311Message>"
    assert safe_digest(content) == hashlib.sha256(content.encode()).hexdigest()
    kept = hashlib.sha256(b"x").hexdigest()
    assert safe_digest(kept.upper()) == kept and safe_digest("") == ""
    assert is_digest(kept) and not is_digest(content) and not is_digest(kept[:63])
