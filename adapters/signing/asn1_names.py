"""asn1crypto builds each OID class's name table the first time it is used, and libraries (asn1crypto.tsp,
pyHanko) add OIDs when imported. Whoever touched CMS first (our envelopes, say) would leave those late
names unknown; ``refresh`` adds them, so building structures by name works whatever was imported first."""

from asn1crypto import core


def refresh() -> None:
    pending = [core.ObjectIdentifier]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if kind._map is not None and kind._reverse_map is not None:
            for oid, name in kind._map.items():
                kind._reverse_map.setdefault(name, oid)
