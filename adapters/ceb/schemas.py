"""The official 202205 XSD files, loaded from ``schemas/xsd/`` under their ASCII names.

The folder is package data of the installed package ``schemas`` (found with ``importlib.resources``,
so a non-editable install works from any folder); ``CBEC_XSD_DIR`` points elsewhere.

The customs files refer to each other by their original names (Chinese, and the transport
schema still includes the 2018 name ``终端节点报文.xsd``). The files stay byte-identical to the
official ones; :class:`OriginalNameResolver` maps those names to the ASCII copies at load time.

lxml ``XMLSchema`` objects keep their error log on the object and release the GIL while
validating, so two threads validating with one object would mix their error reports: each
thread gets its own compiled schemas (see :func:`xml_schema`).
"""

from __future__ import annotations

import os
import threading
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

XSD_DIR = Path(os.environ.get("CBEC_XSD_DIR") or str(files("schemas") / "xsd"))

IMPORT_XSD = "ceb_import_202205.xsd"
EXPORT_XSD = "ceb_export_202205.xsd"
DXP_TERMINAL_XSD = "dxp_terminal_202205.xsd"
DXP_TRANSPORT_XSD = "dxp_transport_202205.xsd"
XMLDSIG_XSD = "xmldsig-core-schema.xsd"
_XS = {"xs": "http://www.w3.org/2001/XMLSchema"}

#: original file name (as the official package and the schemaLocation attributes spell it) -> ASCII copy
ORIGINAL_NAMES: dict[str, str] = {
    "海关跨境进口业务节点报文定义202205.xsd": IMPORT_XSD,
    "海关跨境出口业务节点报文定义202205.xsd": EXPORT_XSD,
    "海关跨境终端节点报文定义202205.xsd": DXP_TERMINAL_XSD,
    "海关跨境传输节点报文定义202205.xsd": DXP_TRANSPORT_XSD,
    "终端节点报文.xsd": DXP_TERMINAL_XSD,  # 2018 name, still included by the 202205 transport schema
    XMLDSIG_XSD: XMLDSIG_XSD,
}


class OriginalNameResolver(etree.Resolver):
    """Resolve ``schemaLocation`` values that name an official file to the ASCII copy."""

    def __init__(self, directory: Path = XSD_DIR) -> None:
        super().__init__()
        self._directory = directory

    def resolve(self, system_url: str, public_id: str | None, context: object) -> object:
        name = unquote(str(system_url).replace("\\", "/").rsplit("/", 1)[-1])
        ascii_name = ORIGINAL_NAMES.get(name)
        if ascii_name is None:
            return None
        return self.resolve_filename(str(self._directory / ascii_name), context)


def xsd_path(name: str) -> Path:
    return XSD_DIR / name


def parse_xsd(name: str) -> etree._ElementTree:
    """Parse one XSD file with the resolver installed.

    A schema whose references are all ASCII gets its file path as base URL, so that libxml2's
    own loader finds the siblings too (see :func:`xml_schema`). One with a non-ASCII reference (the
    transport schema) is parsed without a base URL: libxml2 cannot join a non-ASCII relative
    ``schemaLocation`` to a file URL, but without a base it hands the name to the resolver as is.
    """
    path = xsd_path(name)
    data = path.read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(OriginalNameResolver())
    root = etree.fromstring(data, parser, base_url=str(path))
    if not all(location.isascii() for location in root.xpath("xs:*/@schemaLocation", namespaces=_XS)):
        root = etree.fromstring(data, parser)
    return root.getroottree()


_local = threading.local()
_compiling = threading.Lock()


def xml_schema(name: str) -> etree.XMLSchema:
    """The compiled schema ``name`` for the calling thread (compiled once per thread)."""
    cache: dict[str, etree.XMLSchema] | None = getattr(_local, "schemas", None)
    if cache is None:
        cache = _local.schemas = {}
    schema = cache.get(name)
    if schema is None:
        schema = cache[name] = _compile(name)
    return schema


def _compile(name: str) -> etree.XMLSchema:
    # libxml2's entity loader is process-wide and lxml swaps its resolver hook in and out around
    # every parse, so a parse finishing in another thread can switch the hook off while a schema
    # compiles here: its imports then go to libxml2's own loader. Schemas with ASCII references
    # have a base URL for that loader; the transport schema's Chinese include needs the hook, so
    # a failed compile is tried again.
    with _compiling:
        for _ in range(2):
            try:
                return etree.XMLSchema(parse_xsd(name))
            except etree.XMLSchemaParseError:
                pass
        return etree.XMLSchema(parse_xsd(name))
