"""QR codes drawn on the server as inline SVG (``segno``, pure Python): no script, no CDN."""

from __future__ import annotations

import segno
from markupsafe import Markup, escape


def qr_svg(text: str, label: str) -> Markup:
    """``text`` as a QR code (error correction M), an image named ``label`` for screen
    readers; black on white with its quiet zone, so a phone's camera reads it in any theme."""
    svg = segno.make(text, error="m", micro=False).svg_inline(
        scale=1, dark="#000", light="#fff", omitsize=True, svgclass="qr"
    )
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))
