"""企业管理 (A5): the enterprises that declare, with their codes and signing identity."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

from eventsourcing.application import AggregateNotFoundError

from adapters.signing import SignatureError
from adapters.signing.certificate import Certificate, load_certificate
from adapters.signing.keystore import KeyInfo, KeyStore, LoadedKey
from domain.identity.model import KINDS, Enterprise
from domain.identity.rules import check_customs_code, check_uscc, uscc_check_digit
from domain.shared.rules import DeclarationRejected, FieldError
from engine.settings import Settings
from engine.signing.platform_keys import platform_keystore
from engine.store import EventStore

log = logging.getLogger(__name__)

DEMO_USCC_BASE = "91330106MA2H00001"
ALGORITHMS = ("RSA-SHA1", "SM2-SM3")
KEY_TYPES = {"RSA-SHA1": "RSA", "SM2-SM3": "SM2"}
MAX_KEY_FILE = 64 * 1024


class DemoEnterprise(TypedDict):
    code: str
    name: str
    kinds: list[str]
    dxp_id: str
    uscc: str


DEMO: DemoEnterprise = {"code": "3301960001", "name": "杭州示范跨境电商有限公司", "kinds": ["ecommerce", "platform"],
                        "dxp_id": "DXPENT0000000001", "uscc": DEMO_USCC_BASE + uscc_check_digit(DEMO_USCC_BASE)}


class Enterprises:
    def __init__(self, store: EventStore, settings: Settings, keystore: KeyStore | None = None):
        """``keystore``: the platform's sealed key store (default: the one of ``settings``)."""
        self.store, self.settings = store, settings
        self.keystore = keystore if keystore is not None else platform_keystore(settings)

    def check(self, code: str, name: str, kinds: list[str], algorithm: str, uscc: str = "") -> list[FieldError]:
        """What is wrong with an enterprise's fields, before anything is written."""
        errors = [e for e in (check_customs_code(code), check_uscc(uscc) if uscc else None) if e]
        if not name or len(name) > 100:
            errors.append(FieldError("name", "required", "企业名称为必填项（最多100字）",
                                     "name is required (100 at most)"))
        if not kinds or set(kinds) - set(KINDS):
            errors.append(FieldError("kinds", "kinds", f"企业类型应为 {', '.join(KINDS)}",
                                     f"kinds are {', '.join(KINDS)}"))
        if algorithm not in ALGORITHMS:
            errors.append(FieldError("algorithm", "algorithm", f"签名算法应为 {' 或 '.join(ALGORITHMS)}",
                                     f"the algorithm is {' or '.join(ALGORITHMS)}", algorithm[:40]))
        if not errors and self.get(code) is not None:
            errors.append(FieldError("code", "unique", f"企业 {code} 已登记", f"enterprise {code} is registered"))
        return errors

    def enroll(self, code: str, name: str, kinds: list[str], dxp_id: str, algorithm: str, uscc: str = "",
               organisation: str = "", key_files: tuple[bytes, bytes] | None = None,
               errors: Sequence[FieldError] = ()) -> Enterprise:
        """Register with an uploaded (key, certificate) or, without key_files, a generated test key.

        Every field is checked first (with the caller's own errors); only then does the key go into the sealed key
        store (engine/signing/platform_keys.py), never in clear on disk: a key that does not fit its certificate, an
        expired certificate or an unreadable file is refused as a field error and nothing is stored."""
        found = [*errors, *self.check(code, name, kinds, algorithm, uscc)]
        if key_files is not None:
            for field, content in zip(("private_key", "certificate"), key_files, strict=True):
                if not content or len(content) > MAX_KEY_FILE:
                    found.append(FieldError(field, "key_file", f"请上传文件（最大{MAX_KEY_FILE // 1024}KB）",
                                            f"upload the file ({MAX_KEY_FILE // 1024} KB at most)"))
        if found:
            raise DeclarationRejected(found)
        info = self._store_key(code, name, algorithm, key_files)
        signing = {"keystore": "platform", "key_id": info.key_id, "algorithm": algorithm}
        enterprise = Enterprise(code=code, name=name, kinds=kinds, dxp_id=dxp_id, signing=signing, uscc=uscc,
                                organisation=organisation)
        self.store.save(enterprise)
        return enterprise

    def _store_key(self, code: str, name: str, algorithm: str, key_files: tuple[bytes, bytes] | None) -> KeyInfo:
        """The enterprise's key in the key store, active; the store's refusal becomes a field error."""
        try:
            if key_files is None:
                return self.keystore.generate(code, KEY_TYPES[algorithm], common_name=name)
            return self.keystore.add(code, key_files[0], key_files[1])
        except SignatureError as refused:  # the signing adapter names what is wrong; never echo key material
            zh, en = getattr(refused, "zh", "签名密钥或证书不可用"), getattr(refused, "en", str(refused))
            raise DeclarationRejected([FieldError("certificate", "signing_key", zh,
                                                  f"the signing key or certificate cannot be used: {en}"[:300])]) \
                from refused

    def move_keys_into_store(self) -> int:
        """Enterprises registered before the key store kept their key in clear under <data>/keys: import each into
        the store (active unless the store already has an active key for that code) and remove the clear files once
        it is in. A key that cannot be imported (expired, unreadable) stays where it is, with a log line, and keeps
        signing from there. Returns how many were moved."""
        moved = 0
        for enterprise in self.all():
            key_path = Path(enterprise.signing.get("key_path", ""))
            if not enterprise.signing.get("key_path") or not key_path.is_file():
                continue
            cert_path = Path(enterprise.signing["cert_path"])
            try:
                self._import_clear(enterprise.code, key_path, cert_path)
            except (SignatureError, OSError) as error:
                log.warning("enterprise %s: key %s not moved into the key store: %s", enterprise.code, key_path, error)
                continue
            for path in (key_path, cert_path):
                path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                key_path.parent.rmdir()
            log.info("enterprise %s: signing key moved into the sealed key store, clear file removed", enterprise.code)
            moved += 1
        return moved

    def _import_clear(self, code: str, key_path: Path, cert_path: Path) -> None:
        certificate = load_certificate(cert_path.read_bytes())
        known = {info.key_id for info in self.keystore.keys(code)} if code in self.keystore.enterprises() else set()
        if certificate.key_name in known:
            return
        has_active = code in self.keystore.enterprises() and any(i.active for i in self.keystore.keys(code))
        self.keystore.add(code, key_path.read_bytes(), cert_path.read_bytes(), activate=not has_active)

    def signing_key(self, code: str) -> LoadedKey:
        """The enterprise's active key from the key store, opened once (the store caches it)."""
        return self.keystore.load(code)

    def certificate(self, code: str) -> Certificate | None:
        """The certificate of the enterprise's active key (what customs checks its signatures with), or None."""
        try:
            return self.keystore.certificate(code, self.keystore.active_id(code))
        except SignatureError:
            enterprise = self.get(code)
            path = enterprise.signing.get("cert_path") if enterprise is not None else None
            return load_certificate(Path(path).read_bytes()) if path and Path(path).is_file() else None

    def get(self, code: str) -> Enterprise | None:
        try:
            return self.store.repository.get(Enterprise.create_id(code))
        except AggregateNotFoundError:
            return None

    def all(self) -> list[Enterprise]:
        return self.store.all_of(Enterprise)

    def as_json(self, enterprise: Enterprise) -> dict[str, Any]:
        """What may be shown of an enterprise: never the key's location or material."""
        return {"code": enterprise.code, "name": enterprise.name, "kinds": enterprise.kinds,
                "dxpId": enterprise.dxp_id, "uscc": enterprise.uscc, "organisation": enterprise.organisation,
                "signing": enterprise.signing.get("algorithm", "")}

    def ensure_demo(self, algorithm: str = "RSA-SHA1") -> Enterprise:
        """The demo e-commerce enterprise with a freshly generated test key (never a committed one)."""
        return self.ensure(DEMO["code"], DEMO["name"], DEMO["kinds"], DEMO["dxp_id"], DEMO["uscc"], algorithm)

    def ensure(self, code: str, name: str, kinds: list[str], dxp_id: str, uscc: str, algorithm: str = "RSA-SHA1",
               organisation: str = "") -> Enterprise:
        existing = self.get(code)
        if existing is not None:
            return existing
        return self.enroll(code, name, kinds, dxp_id, algorithm, uscc, organisation)

