"""The namespace every aggregate's ID is derived in: the same documents get the same IDs on every host."""

from uuid import NAMESPACE_URL, uuid5

NAMESPACE = uuid5(NAMESPACE_URL, "https://cbec.local/customs")
