"""Draw the PhotoSort icon: ``resources/photosort.{svg,png,ico}``.

The mark is a rounded square in a blue-to-teal gradient with two stylised
head-and-shoulders silhouettes, one in front of the other: "people in your
photos".  One geometry feeds both the SVG and the Pillow rendering (drawn 4×
larger, then downsampled for smooth edges).  Run after changing the design
and commit the outputs (the SVG needs no clipping or masks, so Qt's SVG
Tiny renderer draws it too)::

    uv run python packaging/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
CANVAS = 256  # design units; the PNG is 256 px
CORNER = 56
TOP, BOTTOM = (0x25, 0x63, 0xEB), (0x0D, 0x94, 0x88)  # blue-600 → teal-600
GAP = 7  # design units of background kept clear around the front person
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]

BASE = 206  # the flat bottom of both busts

# (centre x, head centre y, head radius, shoulder half-width, shoulder height, colour, opacity)
PEOPLE = [
    (166, 94, 30, 56, 74, (0xE0, 0xF2, 0xFE), 0.7),  # behind, to the right
    (102, 110, 38, 70, 50, (0xFF, 0xFF, 0xFF), 1.0),  # in front
]


def _draw_person(draw: ImageDraw.ImageDraw, scale: int, cx: float, cy: float, r: float, half: float,
                 height: float, fill: object, grow: float = 0) -> None:
    """Head (a circle) and shoulders (the top half of an ellipse, flat at ``BASE``)."""
    draw.ellipse([v * scale for v in (cx - r - grow, cy - r - grow, cx + r + grow, cy + r + grow)], fill=fill)
    box = (cx - half - grow, BASE - height - grow, cx + half + grow, BASE + height + grow)
    draw.chord([v * scale for v in box], 180, 360, fill=fill)
    if grow:
        draw.rectangle([v * scale for v in (cx - half - grow, BASE, cx + half + grow, BASE + grow)], fill=fill)


def render_png(size: int = CANVAS, supersample: int = 4) -> Image.Image:
    """The icon as an RGBA image of ``size`` pixels."""
    big = CANVAS * supersample
    s = supersample
    gradient = Image.new("RGBA", (1, big))
    for y in range(big):
        t = y / (big - 1)
        gradient.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM)) + (255,))
    background = gradient.resize((big, big))
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * s, fill=255)

    figure_layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    for index, (cx, cy, r, half, height, colour, opacity) in enumerate(PEOPLE):
        if index == len(PEOPLE) - 1:  # clear a gap around the front person
            gap = Image.new("L", (big, big), 0)
            _draw_person(ImageDraw.Draw(gap), s, cx, cy, r, half, height, 255, grow=GAP)
            figure_layer.putalpha(Image.composite(Image.new("L", gap.size, 0), figure_layer.getchannel("A"), gap))
        person = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        _draw_person(ImageDraw.Draw(person), s, cx, cy, r, half, height, colour + (round(255 * opacity),))
        figure_layer = Image.alpha_composite(figure_layer, person)

    icon = Image.alpha_composite(background, figure_layer)
    icon.putalpha(Image.composite(icon.getchannel("A"), mask, mask))
    return icon.resize((size, size), Image.Resampling.LANCZOS)


def render_svg() -> str:
    """The same design as scalable vector graphics."""
    hexes = ["#%02x%02x%02x" % c for c in (TOP, BOTTOM)]
    shapes = []
    for index, (cx, cy, r, half, height, colour, opacity) in enumerate(PEOPLE):
        outline = (f'<circle cx="{cx}" cy="{cy}" r="{r}"/>'
                   f'<path d="M {cx - half} {BASE} A {half} {height} 0 0 1 {cx + half} {BASE} Z"/>')
        if index == len(PEOPLE) - 1:  # clear a gap around the front person
            shapes.append(f'    <g fill="url(#bg)" stroke="url(#bg)" stroke-width="{2 * GAP}">{outline}</g>')
        fill = "#%02x%02x%02x" % colour
        shapes.append(f'    <g fill="{fill}" fill-opacity="{opacity:g}">{outline}</g>')
    body = "\n".join(shapes)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CANVAS} {CANVAS}" width="{CANVAS}" height="{CANVAS}">
  <defs>
    <linearGradient id="bg" gradientUnits="userSpaceOnUse" x1="0" y1="0" x2="0" y2="{CANVAS}">
      <stop offset="0" stop-color="{hexes[0]}"/>
      <stop offset="1" stop-color="{hexes[1]}"/>
    </linearGradient>
  </defs>
  <rect width="{CANVAS}" height="{CANVAS}" rx="{CORNER}" fill="url(#bg)"/>
{body}
</svg>
"""


def main() -> None:
    RESOURCES.mkdir(exist_ok=True)
    png = render_png()
    png.save(RESOURCES / "photosort.png", optimize=True)
    png.save(RESOURCES / "photosort.ico", sizes=ICO_SIZES)
    (RESOURCES / "photosort.svg").write_text(render_svg(), encoding="utf-8")
    print(f"wrote photosort.png, photosort.ico, photosort.svg in {RESOURCES}")


if __name__ == "__main__":
    main()
