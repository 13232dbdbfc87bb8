"""One sealed key store for the signing service and the consoles (#17 item 7): the enterprises' customs keys are sealed
in <data>/keystore, clear key files of an older data folder are moved in at start, the demo still declares and signs,
and certificates ending soon are mailed to the alert contacts once (#17 item 9)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapters.signing import generate_identity, sealed, verify_bytes
from domain.identity.model import Enterprise
from engine.customs import examples
from engine.signing.expiry import KeyExpiryWatch
from engine.signing.service import SigningSetupError
from tests.integration.exchange.test_alert_mails import smtp_server  # noqa: F401 - the aiosmtpd fixture
from tests.integration.exchange.test_receipt_watch import files_of

LEGACY = "3301960301"


def test_the_demo_keys_are_sealed_and_the_demo_still_declares_and_signs(make_platform):
    platform = make_platform()
    data = platform.settings.data_dir
    passphrase_file = data / "keystore.passphrase"
    assert passphrase_file.stat().st_mode & 0o777 == 0o600
    store = platform.identity.enterprises.keystore
    key_file = store.root / "3301960001" / store.active_id("3301960001") / "key.sealed"
    assert sealed.describe(key_file.read_bytes())["kdf"]["name"] == "scrypt"
    assert not list(data.rglob("key.pem")) and b"PRIVATE KEY" not in key_file.read_bytes()

    platform.customs.import_orders.declare(examples.import_order("KEYSTORE1"), "test")
    platform.runner.run_until_idle()
    [message] = platform.exchange.messages_view.search(q="KEYSTORE1")[0]
    assert message["status"] == "delivered"
    [name] = files_of(platform, message["guid"])
    result = verify_bytes((platform.box.folder("sent") / name).read_bytes())
    assert result.ok and int(result.key_name, 16) == int(store.active_id("3301960001"), 16)


def test_a_wrong_keystore_passphrase_stops_the_platform(make_platform):
    make_platform(CBEC_KEYSTORE_PASSPHRASE="the right one")
    with pytest.raises(SigningSetupError) as refused:
        make_platform(CBEC_KEYSTORE_PASSPHRASE="a wrong one")
    assert "密钥库口令错误" in str(refused.value) and "wrong passphrase" in str(refused.value)


def test_clear_key_files_of_an_older_data_folder_are_moved_into_the_store(make_platform, tmp_path):
    platform = make_platform()
    folder = platform.settings.data_dir / "keys" / LEGACY
    key, cert = generate_identity(folder, "SM2-SM3", common_name="旧企业")
    signing = {"key_path": str(key), "cert_path": str(cert), "algorithm": "SM2-SM3"}
    platform.store.save(Enterprise(code=LEGACY, name="旧企业", kinds=["ecommerce"], dxp_id="DXPENT0000000301",
                                   signing=signing, uscc="", organisation=""))  # as the previous release wrote it
    platform.close()

    again = make_platform()
    assert not key.exists() and not cert.exists()
    store = again.identity.enterprises.keystore
    assert [k.protection for k in store.keys(LEGACY)] == ["scrypt"]
    signed = again.signing.signer(LEGACY).sign_bytes(_example())
    assert verify_bytes(signed).ok and int(verify_bytes(signed).key_name, 16) == int(store.active_id(LEGACY), 16)


def test_a_certificate_ending_soon_is_mailed_to_each_contact_once(make_platform, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    mail = {"CBEC_ALERT_CONTACTS": "ops@example.com,duty@example.com", "CBEC_SMTP_HOST": "127.0.0.1",
            "CBEC_SMTP_PORT": str(controller.port), "CBEC_KEY_EXPIRY_WARN_DAYS": "30"}
    platform = make_platform(**mail)
    store = platform.identity.enterprises.keystore
    ending = store.generate("3301960302", "RSA", days=10)
    store.generate("3301960303", "RSA", days=60)  # beyond the warning window
    platform.runner.run_until_idle()

    assert sorted(to for tos, _ in inbox.mails for to in tos) == ["duty@example.com", "ops@example.com"]
    text = inbox.mails[0][1]
    assert "3301960302" in text and ending.key_id in text and "3301960303" not in text
    assert "到期" in text and "ends in" in text

    watch = KeyExpiryWatch(platform.store, store, 30, ("ops@example.com",))
    assert watch.run_once() == 0, "the next day's check finds the same key and raises nothing new"
    platform.close()
    restarted = make_platform(**mail)
    restarted.runner.run_until_idle()
    assert len(inbox.mails) == 2, "a restart mails nothing again"


def _example() -> bytes:
    from engine.customs.message_examples import example_message

    return example_message("CEB311")


def test_the_demo_passphrase_is_not_made_when_one_is_set(make_platform):
    platform = make_platform(CBEC_KEYSTORE_PASSPHRASE="set by the operator")
    assert not (platform.settings.data_dir / "keystore.passphrase").exists()
    assert Path(platform.identity.enterprises.keystore.root).is_dir()
    assert os.environ.get("CBEC_KEYSTORE_PASSPHRASE") != "set by the operator"
