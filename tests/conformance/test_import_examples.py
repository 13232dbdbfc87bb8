"""#6 conformance (I3-I11): `cbec example` produces every import message type, each valid against the official
202205 XSD; the ones the platform sends carry a customs signature that verifies, and one changed byte breaks it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from adapters import ceb
from adapters.signing import verify_bytes
from engine.customs.message_examples import AVAILABLE, SIGNATURE_REQUIRED, example_message

SENT = ("CEB311", "CEB411", "CEB511", "CEB513", "CEB621", "CEB623", "CEB625", "CEB711")
FROM_CUSTOMS = ("CEB312", "CEB412", "CEB512", "CEB514", "CEB622", "CEB624", "CEB626", "CEB712", "CEB816", "CEB818")


def test_every_import_message_of_the_issue_has_an_example():
    assert set(SENT + FROM_CUSTOMS) <= set(AVAILABLE)


@pytest.mark.parametrize("message_type", SENT)
@pytest.mark.parametrize("algorithm", ["RSA-SHA1", "SM2-SM3"])
def test_sent_messages_validate_and_carry_a_valid_customs_signature(message_type, algorithm):
    data = example_message(message_type, signed=True, algorithm=algorithm)
    parsed = ceb.parse(data)
    assert parsed.message_type == message_type
    assert ceb.validate(parsed.root) == []
    assert verify_bytes(data).ok
    tampered = data.replace(b"<ceb:guid>", b"<ceb:guid>X", 1) if b"<ceb:guid>" in data else data[:-20] + b" " + \
        data[-19:]
    assert not verify_bytes(tampered).ok


@pytest.mark.parametrize("message_type", FROM_CUSTOMS)
def test_customs_messages_validate_and_parse_back(message_type):
    parsed = ceb.parse(example_message(message_type))
    assert parsed.message_type == message_type
    assert ceb.validate(parsed.root) == []
    assert parsed.documents and all(doc.get("guid") for doc in parsed.documents)


def test_messages_whose_xsd_requires_a_signature_are_signed_even_unasked():
    for message_type in SIGNATURE_REQUIRED:
        assert verify_bytes(example_message(message_type)).ok


def test_the_cli_prints_an_example_and_names_the_available_types_for_an_unknown_one():
    ok = subprocess.run([sys.executable, "-m", "engine.cli", "example", "CEB621"], capture_output=True, timeout=120)
    assert ok.returncode == 0 and ceb.validate(ceb.parse(ok.stdout).root) == []
    bad = subprocess.run([sys.executable, "-m", "engine.cli", "example", "CEB999"], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "CEB621" in bad.stderr
