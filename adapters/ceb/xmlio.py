"""Reading XML safely: no network, no external entities, one parser per thread."""

from __future__ import annotations

import threading

from lxml import etree

from .errors import CodecError

_local = threading.local()


def thread_parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return parser


def parse_xml(data: bytes | bytearray | memoryview | str) -> etree._Element:
    """The root element of ``data`` (a UTF-8 BOM is fine); CodecError if it is not XML."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = bytes(data)
    if not data.strip():
        raise CodecError("报文为空 empty message")
    try:
        return etree.fromstring(data, thread_parser())
    except etree.XMLSyntaxError as error:
        raise CodecError(f"报文不是格式正确的XML message is not well-formed XML: {error}") from error


def local_name(tag: object) -> str:
    """'{ns}name' -> 'name'; '' for comments and processing instructions."""
    return tag[tag.find("}") + 1 :] if isinstance(tag, str) else ""


def namespace(tag: str) -> str:
    return tag[1 : tag.find("}")] if tag.startswith("{") else ""
