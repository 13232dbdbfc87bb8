"""#16 item 7: only the sender's organisation changes, discards or declares a draft; a party that only sees it (the
platform named on an inventory) is refused, and its refused command records nothing on the draft."""

from __future__ import annotations

import pytest

from domain.customs.documents import INVENTORY, ORDER
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


def test_another_organisations_draft_number_is_refused_without_saying_it_is_a_draft(platform):
    """#16: A holds order number XDRAFTNO1 as a draft. B saving a draft with that number (under its own platform code)
    gets the refusal of a number it may not use, naming only its own key, exactly as for a number it may not use
    otherwise; A is told the number is already a draft. Before and after the drafts read model has caught up."""
    a, b = declarant("ecom", "ECOM-DEMO", DEMO["code"]), declarant("other", "OTHER", B)
    drafts = platform.customs.drafts
    drafts.save(ORDER, examples.import_order("XDRAFTNO1"), a)
    theirs = examples.import_order("XDRAFTNO1") | {"ebpCode": B, "ebpName": "另一家电商有限公司", "ebcCode": B,
                                                   "ebcName": "另一家电商有限公司"}
    unusable = platform.customs.declarations[ORDER.message].unusable((B, "XDRAFTNO1"))
    for caught_up in (False, True):
        if caught_up:
            drafts.view.run_once()
        assert drafts.view.open_numbers(ORDER.message, ["XDRAFTNO1"]) == ({"XDRAFTNO1": {DEMO["code"]}} if caught_up
                                                                          else {})  # else: from the events' tail
        [refused] = drafts.save_many(ORDER, [theirs], b)
        assert refused.errors == [unusable] and not refused.stored, caught_up
        said = f"{unusable.message_zh} {unusable.message_en}"
        assert DEMO["code"] not in said and "暂存" not in said and "draft" not in said
        [mine] = drafts.save_many(ORDER, [examples.import_order("XDRAFTNO1")], a)
        assert [(e.rule, "已暂存" in e.message_zh) for e in mine.errors] == [("unique", True)], caught_up
    other_owner = examples.import_order("XDRAFTNO2") | {"ebcCode": B, "ebcName": "另一家电商有限公司"}
    [not_theirs] = drafts.save_many(ORDER, [other_owner], b)  # A's platform code: a number B may not use
    assert [(e.field, e.rule) for e in not_theirs.errors] == [(unusable.field, unusable.rule)]
    assert drafts.save_many(ORDER, [examples.import_order("XDRAFTNO3") | {"ebpCode": B, "ebcCode": B}], b)[0].stored
