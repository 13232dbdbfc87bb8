"""企业管理 (A5): the enterprises that declare, with their codes and signing identity."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
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
ALGORITHMS = ("RSA-SHA1", "SM2-SM3")
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
    def __init__(self, store: EventStore, settings: Settings):
        self.store, self.settings = store, settings

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

        Every field is checked first (with the caller's own errors); only then are the key files written, into a
        new folder of their own (see _new_key_folder: never an existing one, so a refusal cannot replace another
        enterprise's keys, and never a path built from input). A key that does not fit its certificate is
        refused and its folder removed."""
        found = [*errors, *self.check(code, name, kinds, algorithm, uscc)]
        if key_files is not None:
            for field, content in zip(("private_key", "certificate"), key_files, strict=True):
                if not content or len(content) > MAX_KEY_FILE:
                    found.append(FieldError(field, "key_file", f"请上传文件（最大{MAX_KEY_FILE // 1024}KB）",
                                            f"upload the file ({MAX_KEY_FILE // 1024} KB at most)"))
        if found:
            raise DeclarationRejected(found)
        folder = self._new_key_folder(code)
        try:
            if key_files is None:
                key_path, cert_path = generate_identity(folder, algorithm, common_name=name)
            else:
                key_path, cert_path = folder / "key.pem", folder / "cert.pem"
                _write_private(key_path, key_files[0])
                _write_private(cert_path, key_files[1])
            return self.register(code, name, kinds, dxp_id, key_path, cert_path, algorithm, uscc, organisation)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def _new_key_folder(self, code: str) -> Path:
        """A new folder (0700) under <data>/keys for one enterprise's key files: keys/<code> when it does not exist
        yet, else keys/<code>-<random>. The code has been checked to be 10 digits or capitals (so it names no
        other place) and the folder is checked to be right under keys/."""
        if check_customs_code(code) is not None:
            raise DeclarationRejected([e for e in (check_customs_code(code),) if e])
        root = (self.settings.data_dir / "keys").resolve()
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = root / code
        if folder.parent != root:
            raise DeclarationRejected([FieldError("code", "customs_code", "海关注册编码应为10位数字或大写字母",
                                                  "the customs code has 10 digits or capitals", code)])
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            folder = Path(tempfile.mkdtemp(prefix=f"{code}-", dir=root))
        return folder

    def register(self, code: str, name: str, kinds: list[str], dxp_id: str, key_path: Path, cert_path: Path,
                 algorithm: str, uscc: str = "", organisation: str = "") -> Enterprise:
        """Check the codes and that the key belongs to the certificate, then record the enterprise."""
        errors = self.check(code, name, kinds, algorithm, uscc)
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
        """A self-signed test identity in a new folder of the data folder (for demos and customs test
        environments)."""
        return generate_identity(self._new_key_folder(code), algorithm, common_name=name)

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


def _write_private(path: Path, content: bytes) -> None:
    """A new file readable by the owner only; an existing file is never replaced."""
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(content)
