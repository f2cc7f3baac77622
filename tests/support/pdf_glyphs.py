"""What a PDF draws, glyph by glyph, read with pypdf: for tests that must see more than the
extracted text (which a reader reorders by guesswork): the order glyphs are drawn in on a
line, which glyph stands for which letter, and which fonts the file carries."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject, PdfObject

_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


@dataclass(frozen=True)
class Glyph:
    font: str
    gid: int
    text: str


def _to_unicode(font) -> dict[int, str]:
    """A Type0 font's ToUnicode map, glyph code → text (WeasyPrint writes bfchar lines)."""
    data = font["/ToUnicode"].get_object().get_data()
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in _BFCHAR.findall(block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return mapping


def _raw(operand) -> bytes:
    return operand.original_bytes if hasattr(operand, "original_bytes") else bytes(operand)


def _dict(value: PdfObject) -> DictionaryObject:
    """A PDF dictionary (a page's resources, its fonts), followed where it is referred to."""
    found = value.get_object()
    assert isinstance(found, DictionaryObject), found
    return found


def runs(pdf: bytes) -> list[list[Glyph]]:
    """Every text-showing operation of every page, its glyphs in the order drawn (left to
    right along the line)."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[list[Glyph]] = []
    for page in reader.pages:
        fonts = _dict(_dict(page["/Resources"])["/Font"])
        maps = {name: _to_unicode(fonts[name].get_object()) for name in fonts}
        current = ""
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = str(operands[0])
            elif operator in (b"Tj", b"TJ"):
                parts = operands[0] if operator == b"TJ" else operands
                run = []
                for part in parts:
                    if isinstance(part, int | float):
                        continue
                    raw = _raw(part)
                    for i in range(0, len(raw) - 1, 2):
                        gid = int.from_bytes(raw[i : i + 2], "big")
                        run.append(Glyph(current, gid, maps[current].get(gid, "")))
                found.append(run)
    return found


def fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(base font name, whether its program is embedded) of every font on every page."""
    reader = PdfReader(io.BytesIO(pdf))
    listed = []
    for page in reader.pages:
        for ref in _dict(_dict(page["/Resources"])["/Font"]).values():
            font = ref.get_object()
            descriptor_of = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descriptor_of["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            listed.append((str(font["/BaseFont"]), embedded))
    return listed


def text_of(pdf: bytes) -> str:
    """The text a reader extracts, pages joined."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def images(pdf: bytes) -> int:
    """How many images the pages draw (image XObjects)."""
    reader = PdfReader(io.BytesIO(pdf))
    count = 0
    for page in reader.pages:
        objects = _dict(page["/Resources"]).get("/XObject")
        for ref in _dict(objects).values() if objects is not None else ():
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count
