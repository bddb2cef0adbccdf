"""QR codes drawn on the server as inline SVG: no script, no image from elsewhere, CSP-clean."""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup


@lru_cache(maxsize=2048)
def qr_svg(text: str) -> Markup:
    """``text`` as an SVG QR code sized by CSS (class ``qr``), drawn once per text and process:
    drawing costs milliseconds, and passport and redemption codes never change."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    svg = svg[svg.index("<svg") :]  # no XML declaration inside a page
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg class="qr" role="img"', svg)
    return Markup(svg)  # noqa: S704 (qrcode's own markup, drawn from our own text)
