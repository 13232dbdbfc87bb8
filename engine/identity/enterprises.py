"""企业管理 (A5): the enterprises that declare, with their codes and signing identity."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

from eventsourcing.application import AggregateNotFoundError

from adapters.signing import generate_identity, load_signer
from domain.identity.model import KINDS, Enterprise
from domain.identity.rules import check_customs_code, check_uscc, uscc_check_digit
from domain.shared.rules import DeclarationRejected, FieldError
from engine.settings import Settings
from engine.store import EventStore

DEMO_USCC_BASE = "91330106MA2H00001"


class DemoEnterprise(TypedDict):
    code: str
    name: str
    kinds: list[str]
    dxp_id: str
    uscc: str


DEMO: DemoEnterprise = {"code": "3301960001", "name": "杭州示范跨境电商有限公司", "kinds": ["ecommerce", "platform"],
                        "dxp_id": "DXPENT0000000001", "uscc": DEMO_USCC_BASE + uscc_check_digit(DEMO_USCC_BASE)}


class Enterprises:
    def __init__(self, store: EventStore, settings: Settings):
        self.store, self.settings = store, settings

    def register(self, code: str, name: str, kinds: list[str], dxp_id: str, key_path: Path, cert_path: Path,
                 algorithm: str, uscc: str = "", organisation: str = "") -> Enterprise:
        """Check the codes and that the key belongs to the certificate, then record the enterprise."""
        errors = [e for e in (check_customs_code(code), check_uscc(uscc) if uscc else None) if e]
        if not name or len(name) > 100:
            errors.append(FieldError("name", "required", "企业名称为必填项（最多100字）",
                                     "name is required (100 at most)"))
        if not kinds or set(kinds) - set(KINDS):
            errors.append(FieldError("kinds", "kinds", f"企业类型应为 {', '.join(KINDS)}",
                                     f"kinds are {', '.join(KINDS)}"))
        if not errors and self.get(code) is not None:
            errors.append(FieldError("code", "unique", f"企业 {code} 已登记", f"enterprise {code} is registered"))
        if not errors:
            errors += self._check_key(key_path, cert_path)
        if errors:
            raise DeclarationRejected(errors)
        signing = {"key_path": str(key_path), "cert_path": str(cert_path), "algorithm": algorithm}
        enterprise = Enterprise(code=code, name=name, kinds=kinds, dxp_id=dxp_id, signing=signing, uscc=uscc,
                                organisation=organisation)
        self.store.save(enterprise)
        return enterprise

    @staticmethod
    def _check_key(key_path: Path, cert_path: Path) -> list[FieldError]:
        try:
            load_signer(key_path, cert_path)
        except Exception as error:  # the signing adapter names what is wrong; never echo key material
            return [FieldError("certificate", "signing_key", f"签名密钥或证书不可用: {type(error).__name__}",
                               f"the signing key or certificate cannot be used: {error}"[:300])]
        return []

    def generate_test_key(self, code: str, name: str, algorithm: str = "RSA-SHA1") -> tuple[Path, Path]:
        """A self-signed test identity in the data folder (for demos and customs test environments)."""
        return generate_identity(self.settings.data_dir / "keys" / code, algorithm, common_name=name)

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
        key_path, cert_path = self.generate_test_key(code, name, algorithm)
        return self.register(code, name, kinds, dxp_id, key_path, cert_path, algorithm, uscc, organisation)
