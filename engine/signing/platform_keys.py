"""The platform's own key store: the enterprises' customs signing keys, sealed like the signing service's (one store
for both, ``<data>/keystore`` or ``$CBEC_KEYSTORE_DIR``, opened with ``$CBEC_KEYSTORE_PASSPHRASE``).

The embedded demo (`cbec start`, scripts/start.sh) sets no passphrase: a random one is made once into
``<data>/keystore.passphrase`` (owner-only) and a log line says production must set CBEC_KEYSTORE_PASSPHRASE; the
file sits beside the keys, so it protects against a copied key folder, not against who reads the data folder.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from adapters.signing.keystore import KeyStore
from engine.settings import Settings
from engine.signing.service import keystore_dir, open_keystore

log = logging.getLogger(__name__)
PASSPHRASE_FILE = "keystore.passphrase"


def platform_keystore(settings: Settings) -> KeyStore:
    """The key store of ``settings``; SigningSetupError (zh / en) when its passphrase is wrong."""
    env = {"CBEC_DATA_DIR": str(settings.data_dir), "CBEC_KEYSTORE_DIR": settings.keystore_dir}
    return open_keystore(keystore_dir(env), passphrase(settings))


def passphrase(settings: Settings) -> bytes:
    """CBEC_KEYSTORE_PASSPHRASE, else the demo's generated one (made on first use)."""
    if settings.keystore_passphrase:
        return settings.keystore_passphrase.encode()
    path = settings.data_dir / PASSPHRASE_FILE
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
                file.write(secrets.token_urlsafe(32))
        except FileExistsError:  # another process of this data folder made it first
            pass
        log.warning("密钥库口令已随机生成于 %s（仅用于演示）；生产环境必须设置 CBEC_KEYSTORE_PASSPHRASE / the key "
                    "store passphrase was generated into %s for the demo; production must set "
                    "CBEC_KEYSTORE_PASSPHRASE", path, path)
    return Path(path).read_text().strip().encode()
