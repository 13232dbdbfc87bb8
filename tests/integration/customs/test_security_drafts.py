"""#16 item 7: only the sender's organisation changes, discards or declares a draft; a party that only sees it (the
platform named on an inventory) is refused, and its refused command records nothing on the draft."""

from __future__ import annotations

import pytest

from domain.customs.documents import INVENTORY
from domain.customs.drafts import OPEN
from domain.identity.roles import Principal, permissions_of
from engine.customs import examples
from engine.identity.enterprises import DEMO
from tests.integration.identity.test_security import other_tenant

B = "3301960009"


@pytest.fixture
def platform(make_platform):
    built = make_platform(demo_users=True)
    other_tenant(built)
    return built


def declarant(name: str, organisation: str, code: str) -> Principal:
    return Principal(name, organisation, ("declarant_ecommerce",), permissions_of(["declarant_ecommerce"]),
                     frozenset({code}))


def test_a_party_that_is_not_the_sender_can_neither_discard_nor_declare_the_draft(platform):
    sender, party = declarant("ecom", "ECOM-DEMO", DEMO["code"]), declarant("other", "OTHER", B)
    inventory = examples.purchase("XDRAFT0000001")["inventory"] | {"ebpCode": B, "ebpName": "另一家电商有限公司"}
    drafts = platform.customs.drafts
    draft = drafts.save(INVENTORY, inventory, sender)
    events = len(list(platform.store.events.get(draft.id)))
    assert drafts.get(str(draft.id), party) is not None  # B is named on it: B sees it

    assert drafts.discard(INVENTORY, [str(draft.id)], party) == 0
    assert drafts.declare(INVENTORY, [str(draft.id)], party) == ("", [])
    kept = platform.store.repository.get(draft.id)
    assert kept.status == OPEN and kept.errors == [] and len(list(platform.store.events.get(draft.id))) == events

    batch, [outcome] = drafts.declare(INVENTORY, [str(draft.id)], sender)
    assert batch and outcome.ok
