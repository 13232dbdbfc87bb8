"""企业管理 (first slice of A5): register the enterprises that declare, with their signing identity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from adapters.signing import generate_identity
from domain.identity.model import Enterprise
from engine.settings import Settings
from engine.store import EventStore

DEMO = {"code": "3301960001", "name": "杭州示范跨境电商有限公司", "kinds": ["ecommerce", "platform"],
        "dxp_id": "DXPENT0000000001"}


class Enterprises:
    def __init__(self, store: EventStore, settings: Settings):
        self.store, self.settings = store, settings

    def register(self, code: str, name: str, kinds: list[str], dxp_id: str, key_path: Path, cert_path: Path,
                 algorithm: str) -> Enterprise:
        signing = {"key_path": str(key_path), "cert_path": str(cert_path), "algorithm": algorithm}
        enterprise = Enterprise(code=code, name=name, kinds=kinds, dxp_id=dxp_id, signing=signing)
        self.store.save(enterprise)
        return enterprise

    def get(self, code: str) -> Enterprise | None:
        try:
            return self.store.repository.get(Enterprise.create_id(code))
        except AggregateNotFoundError:
            return None

    def all(self) -> list[Enterprise]:
        return [e for e in (self.get(code) for code in self._codes()) if e is not None]

    def as_json(self, enterprise: Enterprise) -> dict[str, Any]:
        return {"code": enterprise.code, "name": enterprise.name, "kinds": enterprise.kinds,
                "dxpId": enterprise.dxp_id, "signing": enterprise.signing.get("algorithm", "")}

    def ensure_demo(self, algorithm: str = "RSA-SHA1") -> Enterprise:
        """The demo e-commerce enterprise with a freshly generated test key (never a committed one)."""
        existing = self.get(DEMO["code"])
        if existing is not None:
            return existing
        key_dir = self.settings.data_dir / "keys" / DEMO["code"]
        key_path, cert_path = generate_identity(key_dir, algorithm, common_name=DEMO["name"])
        return self.register(DEMO["code"], DEMO["name"], DEMO["kinds"], DEMO["dxp_id"], key_path, cert_path, algorithm)

    def _codes(self) -> list[str]:
        topic = f"{Enterprise.Registered.__module__}:{Enterprise.Registered.__qualname__}"
        found = self.store.recorder.select_notifications(1, 10_000, topics=[topic])
        return list(dict.fromkeys(self.store.mapper.to_domain_event(n).code for n in found))
