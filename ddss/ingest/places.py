"""Place hints as raw text: from title rows above the header, else from folder names.

CONTRACT.md: a row's place comes from its own columns, then the sheet's title rows
("HỘI LHPN XÃ AN PHÚ", "ĐOÀN PHƯỜNG BẾN THÀNH", "TỈNH AN GIANG"), then the folder names.
Only the text is extracted here; `ddss.units` resolves it to 2025 codes later.
Runs in Python per title cell or folder name (a few per file), never per data row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Stop words after which a unit name ends ("XÃ AN PHÚ, HUYỆN AN PHÚ, TỈNH AN GIANG").
_NEXT_UNIT = r"huyện|quận|thị xã|tỉnh|thành phố|tp\.?|huyen|quan|thi xa|tinh|thanh pho"
_NAME = rf"(?P<name>[^\W\d_][^,;:()\n–\-/]*?)(?=\s*(?:[,;:()\n–\-/]|$|\s(?:{_NEXT_UNIT})\s))"
_COMMUNE_RX = re.compile(
    rf"(?<!\w)(?P<unit>xã|phường|thị trấn|đặc khu|xa|phuong|thi tran|dac khu)\s+{_NAME}",
    re.IGNORECASE,
)
# "Tỉnh" first: in "PHƯỜNG MỸ BÌNH, THÀNH PHỐ LONG XUYÊN, TỈNH AN GIANG" the thành phố is an old
# district-level city, the tỉnh is the province.
_PROVINCE_RXS = tuple(
    re.compile(
        rf"(?<!\w)(?P<unit>{unit})\s*(?:(?:đoàn|hội|doan|hoi)\s+)?{_NAME}",
        re.IGNORECASE,
    )
    for unit in (r"tỉnh|tinh", r"thành phố|thanh pho|tp\.?")
)
# The national motto row ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
# contains "XÃ HỘI", which is not a commune.
_MOTTO_RX = re.compile(r"x[ãa] h[ộo]i ch[ủu] ngh[ĩi]a|[đd][ộo]c l[ậa]p", re.IGNORECASE)


@dataclass(frozen=True)
class PlaceHints:
    province: str | None = None
    commune: str | None = None

    def or_else(self, other: PlaceHints) -> PlaceHints:
        """Field by field: keep own value, else take the other's."""
        return PlaceHints(self.province or other.province, self.commune or other.commune)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _match(rx: re.Pattern[str], text: str) -> str | None:
    found = rx.search(text)
    if not found or not found.group("name").strip():
        return None
    return f"{found.group('unit')} {found.group('name').strip()}"


def _province(text: str) -> str | None:
    return next((hit for rx in _PROVINCE_RXS if (hit := _match(rx, text))), None)


def hints_from_texts(texts: list[str]) -> PlaceHints:
    """First commune and first province named in title texts (top to bottom)."""
    hints = PlaceHints()
    for raw in texts:
        hints = hints.or_else(_text_hints(raw))
    return hints


@lru_cache(maxsize=65536)
def _text_hints(raw: str) -> PlaceHints:
    """Hints of one title text; titles repeat across the files of a province, so cached."""
    text = _clean(raw)
    if _MOTTO_RX.search(text):
        return PlaceHints()
    return PlaceHints(_province(text), _match(_COMMUNE_RX, text))


def hints_from_folders(folders: list[str]) -> PlaceHints:
    """Folders between raw/<org>/ and the file: a unit word decides, else outer = province."""
    hints = PlaceHints()
    bare: list[str] = []
    for folder in folders:
        text = _clean(re.sub(r"[_]+", " ", folder))
        found = PlaceHints(_province(text), _match(_COMMUNE_RX, text))
        if found.province or found.commune:
            hints = hints.or_else(found)
        elif text:
            bare.append(text)
    for text in bare:
        if hints.province is None:
            hints = PlaceHints(text, hints.commune)
        elif hints.commune is None:
            hints = PlaceHints(hints.province, text)
    return hints
