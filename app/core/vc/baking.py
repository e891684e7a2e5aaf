"""Baked badges (Open Badges 3.0 §5.3): a credential carried inside its badge image.

- PNG (§5.3.1): one ``iTXt`` chunk, keyword ``openbadgecredential``, no compression, empty
  language tag and translated keyword; the text is the credential's JSON or its compact JWS
  (VC-JWT). Baking copies every other chunk byte for byte (so the pixels are untouched), drops
  an earlier ``openbadgecredential`` chunk (the spec lets the baker overwrite) and puts the new
  one just before ``IEND``. Extracting reads the first such chunk.
- SVG (§5.3.2): ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` on the ``<svg>``
  element and, directly after its start tag, ``<openbadges:credential>``: with a ``verify``
  attribute holding a compact JWS, or the JSON in the body wrapped in ``<![CDATA[...]]>``.
  Extracting stops at the first element named ``credential`` in that namespace (whatever its
  prefix); an entity declaration is refused, so no entity is ever expanded (no "billion
  laughs"), and no external DTD is read.

Pure functions over bytes and text: the issuer bakes and the verifier unbakes with them.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.parsers import expat

OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
PNG_KEYWORD = b"openbadgecredential"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_CHUNK = 0x7FFFFFFF  # PNG §5.3: chunk lengths are at most 2^31 - 1
_SVG_START = re.compile(rb"<svg[\s>/]")


class BakingError(ValueError):
    """An image that is not a well-formed PNG or SVG, or carries no credential."""


def is_jws(text: str) -> bool:
    """A compact JWS (three base64url parts), as opposed to the credential's JSON."""
    return re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+", text) is not None


# -- PNG (OB 3.0 §5.3.1) -------------------------------------------------------------------


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, data) chunks of a PNG datastream, each CRC checked (PNG §5.3)."""
    if not data.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image (no PNG signature)")
    chunks: list[tuple[bytes, bytes]] = []
    offset = len(PNG_SIGNATURE)
    while offset < len(data):
        if offset + 12 > len(data):
            raise BakingError("the PNG ends inside a chunk")
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        end = offset + 12 + length
        if length > _MAX_CHUNK or end > len(data):
            raise BakingError(f"the PNG chunk {kind!r} runs past the end of the image")
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) != crc:
            raise BakingError(f"the PNG chunk {kind!r} has a wrong CRC")
        chunks.append((kind, body))
        offset = end
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise BakingError("a PNG must start with IHDR and end with IEND")
    return chunks


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _itxt_keyword(body: bytes) -> bytes:
    return body.split(b"\x00", 1)[0]


def bake_png(image: bytes, credential: str) -> bytes:
    """The PNG with ``credential`` (JSON text or compact JWS) in its iTXt chunk."""
    chunks = png_chunks(image)
    # keyword NUL, compression flag 0, method 0, language tag "" NUL, translated keyword "" NUL
    itxt = PNG_KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + credential.encode("utf-8")
    out = bytearray(PNG_SIGNATURE)
    for kind, body in chunks:
        if kind == b"iTXt" and _itxt_keyword(body) == PNG_KEYWORD:
            continue  # at most one such chunk (§5.3.1): the new one replaces it
        if kind == b"IEND":
            out += _chunk(b"iTXt", itxt)
        out += _chunk(kind, body)
    return bytes(out)


def unbake_png(image: bytes) -> str:
    """The text of the first ``openbadgecredential`` iTXt chunk."""
    for kind, body in png_chunks(image):
        if kind != b"iTXt" or _itxt_keyword(body) != PNG_KEYWORD:
            continue
        rest = body[len(PNG_KEYWORD) + 1 :]
        if len(rest) < 2:
            raise BakingError("the openbadgecredential iTXt chunk is truncated")
        compressed, method = rest[0], rest[1]
        try:
            language_end = rest.index(b"\x00", 2)
            translated_end = rest.index(b"\x00", language_end + 1)
        except ValueError:
            raise BakingError("the openbadgecredential iTXt chunk is truncated") from None
        text = rest[translated_end + 1 :]
        if compressed:  # not allowed by §5.3.1, but unambiguous: read it anyway
            if method != 0:
                raise BakingError("unknown iTXt compression method")
            try:
                text = zlib.decompress(text)
            except zlib.error as exc:
                raise BakingError(f"the iTXt text does not decompress: {exc}") from None
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            raise BakingError("the iTXt text is not UTF-8") from None
    raise BakingError("the PNG carries no openbadgecredential iTXt chunk")


# -- SVG (OB 3.0 §5.3.2) -------------------------------------------------------------------


def _cdata(text: str) -> str:
    """Text as CDATA sections: a literal ``]]>`` is split across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _strip_credential(svg: str) -> str:
    """The SVG without an earlier ``<openbadges:credential>`` element (we bake with that
    prefix; the spec allows one such element, and lets the baker overwrite it)."""
    return re.sub(
        r"\s*<openbadges:credential\b(?:[^>]*/>|.*?</openbadges:credential>)",
        "",
        svg,
        count=1,
        flags=re.DOTALL,
    )


def bake_svg(image: bytes, credential: str) -> bytes:
    """The SVG with ``credential``: a compact JWS in ``verify``, JSON in a CDATA body."""
    try:
        svg = image.decode("utf-8")
    except UnicodeDecodeError:
        raise BakingError("the SVG is not UTF-8") from None
    svg = _strip_credential(svg)
    start = re.search(r"<svg(?=[\s>/])[^>]*>", svg)
    if start is None or start.group(0).endswith("/>"):
        raise BakingError("no <svg> element with content to bake into")
    tag = start.group(0)
    if "xmlns:openbadges=" not in tag:
        tag = tag[:-1].rstrip() + f' xmlns:openbadges="{OB_NAMESPACE}">'
    if is_jws(credential):
        element = f'<openbadges:credential verify="{_attribute(credential)}"/>'
    else:
        element = f"<openbadges:credential>{_cdata(credential)}</openbadges:credential>"
    baked = svg[: start.start()] + tag + element + svg[start.end() :]
    return baked.encode("utf-8")


class _Found(Exception):
    def __init__(self, text: str) -> None:
        self.text = text


def unbake_svg(image: bytes) -> str:
    """The credential of the first ``credential`` element in the OB 3.0 namespace."""
    parser = expat.ParserCreate(namespace_separator=" ")
    target = f"{OB_NAMESPACE} credential"
    state: dict[str, object] = {"depth": 0, "parts": None, "verify": None}

    def entity(*_: object) -> None:
        raise BakingError("an SVG that declares entities is refused")

    def start(name: str, attributes: dict[str, str]) -> None:
        parts = state["parts"]
        if isinstance(parts, list):
            state["depth"] = int(str(state["depth"])) + 1
        elif name == target:
            state["parts"], state["verify"], state["depth"] = [], attributes.get("verify"), 1

    def end(_name: str) -> None:
        parts = state["parts"]
        if not isinstance(parts, list):
            return
        depth = int(str(state["depth"])) - 1
        state["depth"] = depth
        if depth == 0:
            verify = state["verify"]
            raise _Found(verify if isinstance(verify, str) and verify else "".join(parts))

    def text(data: str) -> None:
        parts = state["parts"]
        if isinstance(parts, list):
            parts.append(data)

    parser.EntityDeclHandler = entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(image, True)
    except _Found as found:
        return found.text.strip()
    except expat.ExpatError as exc:
        raise BakingError(f"the SVG is not well-formed XML: {exc}") from None
    raise BakingError(f"the SVG carries no <credential> element in {OB_NAMESPACE}")


def unbake(image: bytes) -> str:
    """The credential text (JSON or compact JWS) baked into a PNG or an SVG image."""
    if image.startswith(PNG_SIGNATURE):
        return unbake_png(image)
    if _SVG_START.search(image[:4096]) or image.lstrip().startswith(b"<"):
        return unbake_svg(image)
    raise BakingError("not a PNG or SVG image")
