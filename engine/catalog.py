"""The field catalogue of every CEB message, from the official XSD: what the rules check and the forms show."""

from __future__ import annotations

import functools
import tempfile
import uuid
from pathlib import Path

from adapters import ceb
from adapters.ceb import FieldSpec

Specs = tuple[list[FieldSpec], dict[str, list[FieldSpec]]]


class Catalog:
    def specs(self, message_type: str) -> Specs:
        """(head fields, {list key: line fields}) of a message's business document, in XSD order."""
        return _specs(message_type)

    def label(self, message_type: str, name: str, lang: str = "zh-CN") -> str:
        if lang == "en":
            return name
        head, lists = self.specs(message_type)
        for spec in head + [s for fields in lists.values() for s in fields]:
            if spec.name == name:
                return spec.label_zh or name
        return name


@functools.cache
def _specs(message_type: str) -> Specs:
    parts = dict(ceb.describe(message_type))
    head = list(parts.pop("head", ()))
    return head, {key: list(fields) for key, fields in parts.items()}


def example_message(message_type: str, signed: bool = False, algorithm: str = "RSA-SHA1",
                    data_dir: Path | None = None) -> bytes:
    """A complete, valid message built by the platform's own builder from demo data; signed, when asked, with
    the demo enterprise's key of the data folder (`cbec init` / `cbec serve` make it) or else a throwaway one."""
    from engine import clock, examples
    from engine.enterprises import DEMO
    from engine.imports import complete, to_values

    code = ceb.normalize_type(message_type)
    builders = {"CEB311": lambda: [to_values(complete(examples.import_order(), clock.now()), Catalog())]}
    if code not in builders:
        raise ValueError(f"no example for {message_type} yet; available: {', '.join(builders)}")
    transfer = {"copCode": DEMO["code"], "copName": DEMO["name"], "dxpMode": "DXP", "dxpId": DEMO["dxp_id"]}
    root = ceb.build(code, builders[code](), transfer, str(uuid.uuid4()).upper())
    if signed:
        from adapters.signing import generate_identity, load_signer

        demo_key = (data_dir or Path()) / "keys" / DEMO["code"]
        if data_dir and (demo_key / "key.pem").exists():
            load_signer(demo_key / "key.pem", demo_key / "cert.pem").sign_tree(root)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                load_signer(*generate_identity(Path(tmp), algorithm, common_name=DEMO["name"])).sign_tree(root)
    return ceb.to_bytes(root)


