"""What an uploaded file is and a clean copy of it (the only importer of Pillow).

* JPEG and PNG photos are decoded and written again: the copy keeps the pixels (turned upright by the
  EXIF orientation) and nothing else — no EXIF (GPS position, camera, time), no XMP, no comments, no ICC
  profile. A file Pillow cannot decode is refused, so a script renamed ``photo.jpg`` is not stored.
* PDF scans are kept as they are (a signed act must stay byte for byte what was signed); only the header
  is checked.
* HEIC (iPhone photos) is refused with a hint: Pillow does not read it, and the phone's browser sends
  JPEG when the camera is set to "Наиболее совместимый" (most compatible).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

#: a photo larger than this (in pixels) is refused before it is decoded (a decompression bomb)
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 88
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "pdf": "pdf"}


class FileRefused(ValueError):
    """The file is not one of the accepted kinds or cannot be read (the message is for the user)."""


@dataclass(frozen=True)
class CleanFile:
    kind: str  # jpeg | png | pdf
    media_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The kind of file by its first bytes (never by the name or the browser's word): jpeg, png, pdf, heic."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return "heic"
    return None


def _reencode(data: bytes, kind: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as original:
            width, height = original.size
            if width * height > MAX_PIXELS:
                raise FileRefused(f"снимок слишком большой ({width}×{height} точек), уменьшите его")
            original.load()
            upright = ImageOps.exif_transpose(original)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise FileRefused("файл изображения повреждён или не читается") from exc
    # a new image of the same pixels: the decoder's metadata (EXIF, XMP, comments, ICC) stays behind
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    if upright.mode == "P":
        clean.putpalette(upright.getpalette() or [])
    out = io.BytesIO()
    if kind == "jpeg":
        if clean.mode not in ("RGB", "L"):
            clean = clean.convert("RGB")
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return out.getvalue()


def clean_copy(data: bytes) -> CleanFile:
    """The file fit to store (see the module's description); :class:`FileRefused` otherwise."""
    kind = sniff(data)
    if kind == "heic":
        raise FileRefused("фото в формате HEIC не принимается: сохраните его как JPEG (на iPhone: «Настройки» → "
                          "«Камера» → «Форматы» → «Наиболее совместимый»)")
    if kind is None:
        raise FileRefused("принимаются фото JPEG или PNG и сканы PDF")
    if kind == "pdf":
        if b"%%EOF" not in data[-2048:]:
            raise FileRefused("файл PDF неполный или повреждён")
        return CleanFile(kind, MEDIA_TYPES[kind], data)
    return CleanFile(kind, MEDIA_TYPES[kind], _reencode(data, kind))
