"""Draw the app icon and write it in the three formats the bundles need.

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py

``omix.png`` (Linux, 512 px), ``omix.ico`` (Windows, 16-256 px) and
``omix.icns`` (macOS) in ``packaging/icons/``. Qt writes PNG; the ICO and
ICNS containers are assembled here from PNG images (both formats accept
embedded PNGs), so no image library beyond Qt is needed.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen  # noqa: E402

OUT = Path(__file__).parent / "icons"


def draw(size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    margin = size * 0.06
    box = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    painter.setBrush(QColor("#1565c0"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(box, size * 0.2, size * 0.2)
    pen = QPen(QColor("white"))
    pen.setWidthF(size * 0.07)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    ring = QRectF(size * 0.27, size * 0.2, size * 0.46, size * 0.46)
    painter.drawEllipse(ring)  # the O of OMIX
    font = QFont("DejaVu Sans", max(4, int(size * 0.14)))
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(
        QRectF(0, size * 0.66, size, size * 0.24), Qt.AlignmentFlag.AlignCenter, "OMIX"
    )
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(images: dict[int, bytes]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(images))
    entries, blobs = b"", b""
    offset = 6 + 16 * len(images)
    for size, png in sorted(images.items()):
        dimension = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dimension, dimension, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def icns(images: dict[int, bytes]) -> bytes:
    kinds = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}
    body = b"".join(
        kinds[size] + struct.pack(">I", len(png) + 8) + png
        for size, png in sorted(images.items())
        if size in kinds
    )
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main() -> int:
    QGuiApplication(sys.argv)
    OUT.mkdir(exist_ok=True)
    images = {size: draw(size) for size in (16, 32, 48, 64, 128, 256, 512)}
    (OUT / "omix.png").write_bytes(images[512])
    (OUT / "omix.ico").write_bytes(ico({s: images[s] for s in (16, 32, 48, 64, 128, 256)}))
    (OUT / "omix.icns").write_bytes(icns(images))
    for name in ("omix.png", "omix.ico", "omix.icns"):
        print(OUT / name, (OUT / name).stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
