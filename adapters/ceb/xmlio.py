"""Reading XML safely: no network, no entities, no DTD at all (a CEB message never has one), bounded depth (libxml2's
256 levels without huge_tree), one parser per thread."""

from __future__ import annotations

import threading

from lxml import etree

from .errors import CodecError

_local = threading.local()


def thread_parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                                                 load_dtd=False, dtd_validation=False)
    return parser


def parse_xml(data: bytes | bytearray | memoryview | str) -> etree._Element:
    """The root element of ``data`` (a UTF-8 BOM is fine); CodecError if it is not XML or declares a DTD (a DOCTYPE,
    with or without entities: refused whole, nothing in it is expanded or fetched)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = bytes(data)
    if not data.strip():
        raise CodecError("报文为空 empty message")
    try:
        root = etree.fromstring(data, thread_parser())
    except etree.XMLSyntaxError as error:
        raise CodecError(f"报文不是格式正确的XML message is not well-formed XML: {error}") from error
    except (ValueError, LookupError) as error:  # an encoding declaration lxml cannot use, a str with one
        raise CodecError(f"报文编码无法读取 the message's encoding cannot be read: {error}") from error
    refuse_dtd(root)
    return root


def refuse_dtd(root: etree._Element) -> None:
    """CodecError when the document declares a DTD (DOCTYPE, internal subset, entities): CEB messages have none."""
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise CodecError("报文不得包含DTD（DOCTYPE/实体声明） the message must not declare a DTD (DOCTYPE or entities)")


def local_name(tag: object) -> str:
    """'{ns}name' -> 'name'; '' for comments and processing instructions."""
    return tag[tag.find("}") + 1 :] if isinstance(tag, str) else ""


def namespace(tag: str) -> str:
    return tag[1 : tag.find("}")] if tag.startswith("{") else ""
