"""Draw exercise figures with Pillow: key-pose stills, a looping animation, a contact sheet.

`flask --app server protocols render DIR` calls `render_protocol` for every protocol file, so a
physiotherapist reviewing a protocol version sees every figure at once (the contact sheet) and
each exercise moving as the app moves it (the animated PNG, one rep in step with the dose). The
drawing comes from domain.figures, the same module the app draws from.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from domain.figures import (
    LENGTHS,
    LIMB_WIDTH,
    STEP_TREAD,
    WEIGHT_COLOR,
    WORKTOP,
    Figure,
    Pose,
    ankle_weight_shape,
    cue_color,
    cue_shapes,
    demo_steps,
    figure_points,
    mat_box,
    pose_during,
    segments,
    worktop_box,
)

SIZE = 240  # pixels per still, square
SCALE = 150  # pixels per standing height
FPS = 12  # frames per second of the animation (a review copy, not the app's 60)
INK, FAR, PROP, BAND, PAPER = (34, 60, 94), (140, 160, 185), (175, 150, 120), (205, 70, 70), "white"
CABINET = (222, 208, 188)  # a worktop's cupboard, lighter than its top
MAT = (232, 222, 206)  # the floor seen from above, under a figure lying on it


def _frame(figure: Figure, poses: list[Pose]) -> tuple[float, float, float]:
    """Return (centre x, centre y, scale) keeping every pose of the figure inside the square."""
    xs, ys = [], []
    for pose in poses:
        for x, y in figure_points(figure, pose).values():
            xs.append(x)
            ys.append(y)
    pad = 0.12
    span = max(max(xs) - min(xs), max(ys) + LENGTHS["head"], 0.6) + 2 * pad
    scale = min(SCALE, SIZE / span)
    return (min(xs) + max(xs)) / 2, (max(ys) + LENGTHS["head"]) / 2, scale


def draw_pose(figure: Figure, pose: Pose, frame=None, label: str = "") -> Image.Image:
    """Return one still of the figure in this pose, with its props."""
    cx, cy, scale = frame or _frame(figure, [pose])
    image = Image.new("RGB", (SIZE, SIZE), PAPER)
    draw = ImageDraw.Draw(image)

    def px(p):
        return (SIZE / 2 + (p[0] - cx) * scale, SIZE * 0.55 - (p[1] - cy) * scale)

    pts = figure_points(figure, pose)
    width = max(2, round(LIMB_WIDTH * scale))
    _props(draw, figure, figure_points(figure, figure.start), pts, px, width)
    cues = cue_shapes(figure, pose)
    for cue in cues:  # under the bones: the belly in front of the trunk, the zone's tint
        if cue.part == "belly":
            draw.polygon([px(p) for p in cue.points], fill=_rgb(cue_color(cue)))
        elif cue.part == "pelvic_zone":
            draw.polygon([px(p) for p in cue.points], fill=_rgb(_pale(cue_color(cue), 0.8)))
    for seg in segments(figure, pose):
        draw.line([px(seg.a), px(seg.b)], fill=INK if seg.near else FAR, width=width, joint="curve")
        for end in (seg.a, seg.b):
            x, y = px(end)
            r = width / 2
            draw.ellipse([x - r, y - r, x + r, y + r], fill=INK if seg.near else FAR)
    hx, hy = px(pts["head"])
    r = LENGTHS["head"] * scale
    draw.ellipse([hx - r, hy - r, hx + r, hy + r], fill=INK)
    for prop in figure.props:  # over the leg it is strapped to, moving with it
        if prop.name == "ankle_weight":
            draw.polygon([px(p) for p in ankle_weight_shape(pts, prop.at)], fill=_rgb(WEIGHT_COLOR))
    for cue in cues:  # over the bones: the zone's outline and the pelvic floor itself
        if cue.part == "pelvic_zone":
            ring = [px(p) for p in (*cue.points, cue.points[0])]
            draw.line(ring, fill=_rgb(_pale(cue_color(cue), 0.4)), width=2)
        elif cue.part == "pelvic_floor":
            sling = [px(p) for p in cue.points]
            draw.line(sling, fill=_rgb(cue_color(cue)), width=width, joint="curve")
            for x, y in (sling[0], sling[-1]):
                r = width / 2
                draw.ellipse([x - r, y - r, x + r, y + r], fill=_rgb(cue_color(cue)))
    if label:
        draw.text((6, 4), label, fill=(60, 60, 60), font=ImageFont.load_default())
    return image


def _props(draw, figure: Figure, fixed, pts, px, width: int) -> None:
    """Draw the props behind the figure: furniture where its point is in the start pose, a band
    on the moving figure."""
    floor_y = px((0, 0))[1]
    for prop in figure.props:
        at = (pts if prop.name in ("band", "crutch") else fixed).get(prop.at or "", None)
        if prop.name == "floor":
            draw.line([(0, floor_y), (SIZE, floor_y)], fill=PROP, width=3)
        elif prop.name == "chair" and at:
            x, y = px(at)
            seat = 0.24 * (px((0, 0))[1] - px((0, 1))[1])
            draw.rectangle([x - seat * 0.6, y + width / 2, x + seat * 0.6, y + width], fill=PROP)
            draw.line([(x - seat * 0.5, y + width), (x - seat * 0.5, floor_y)], fill=PROP, width=4)
            draw.line([(x + seat * 0.5, y + width), (x + seat * 0.5, floor_y)], fill=PROP, width=4)
            if figure.view == "side":
                back = y - seat * 1.6
                draw.line([(x - seat * 0.6, y + width), (x - seat * 0.6, back)], fill=PROP, width=4)
        elif prop.name == "step" and at:
            back, front = STEP_TREAD[figure.view]
            x0, y = px((at[0] + back, at[1]))
            x1, _ = px((at[0] + front, at[1]))
            draw.rectangle([x0, y + width / 2, x1, floor_y], fill=PROP)
        elif prop.name == "mat":
            left, bottom, right, top = mat_box(figure)
            (x0, y0), (x1, y1) = px((left, top)), px((right, bottom))
            draw.rectangle([x0, y0, x1, y1], fill=MAT)
        elif prop.name == "worktop" and at:
            left, right, top = worktop_box(figure, fixed, prop.at)
            (x0, y), (x1, _) = px((left, top)), px((right, top))
            slab = WORKTOP["slab"] * (px((0, 0))[1] - px((0, 1))[1])
            draw.rectangle([x0 + 3, y + slab, x1 - 3, floor_y], fill=CABINET)
            draw.rectangle([x0, y, x1, y + slab], fill=PROP)
        elif prop.name == "wall" and at:
            x, _ = px(at)
            draw.rectangle([x + width, 0, x + width + 8, floor_y], fill=PROP)
        elif prop.name == "band" and at:
            a = px(at)
            b = px(pts[prop.to]) if prop.to else (a[0], a[1])
            if prop.to:
                draw.line([a, b], fill=BAND, width=3)
            else:
                draw.ellipse([a[0] - 9, a[1] - 5, a[0] + 9, a[1] + 5], outline=BAND, width=3)
        elif prop.name == "crutch" and at:
            x, y = px(at)
            out = 10 if x > px(pts["pelvis"])[0] else -10
            draw.line([(x, y - 12), (x + out, floor_y)], fill=PROP, width=4)
        elif prop.name in ("cushion", "towel") and at:
            x, y = px(at)
            w, h = (26, 9) if prop.name == "cushion" else (16, 8)
            draw.ellipse([x - w, y + width / 2 - 2, x + w, y + width / 2 + 2 * h], fill=PROP)


def _rgb(color) -> tuple[int, int, int]:
    return tuple(round(255 * c) for c in color)


def _pale(color, f: float) -> tuple[float, ...]:
    """Return `color` mixed with white, `f` of the way."""
    return tuple(c + (1 - c) * f for c in color)


def frames(figure: Figure, hold_s: int, rest_s: int, fps: int = FPS) -> list[Pose]:
    """Return the poses of one rep in step with the dose, `fps` per second."""
    out = []
    steps = demo_steps(figure, hold_s, rest_s)
    for i, (kind, seconds) in enumerate(steps):
        rest_follows = i + 1 < len(steps)
        for n in range(max(1, round(seconds * fps))):
            out.append(pose_during(figure, kind, n / fps, seconds, rest_follows))
    return out


def render_exercise(exercise: dict, out_dir: Path) -> list[Path]:
    """Write a PNG of each key pose and an animated PNG of one rep; return the paths."""
    figure = Figure.from_dict(exercise["figure"])
    frame = _frame(figure, list(figure.poses))
    written = []
    for pose in figure.poses:
        path = out_dir / f"{exercise['id']}.{pose.name}.png"
        draw_pose(figure, pose, frame, pose.name).save(path)
        written.append(path)
    path = out_dir / f"{exercise['id']}.png"
    path.write_bytes(exercise_animation(exercise))
    written.append(path)
    return written


def exercise_animation(exercise: dict) -> bytes:
    """Return the animated PNG of one rep of an exercise, in step with its dose."""
    figure = Figure.from_dict(exercise["figure"])
    dose = exercise["dose"]
    frame = _frame(figure, list(figure.poses))
    images = [draw_pose(figure, p, frame) for p in frames(figure, dose["hold_s"], dose["rest_s"])]
    out = io.BytesIO()
    images[0].save(
        out, "PNG", save_all=True, append_images=images[1:], duration=round(1000 / FPS), loop=0
    )
    return out.getvalue()


def contact_sheet(doc: dict) -> Image.Image:
    """Return one sheet showing every key pose of every exercise of a protocol, row by row."""
    rows = [e for phase in doc["phases"] for e in phase["exercises"] if e.get("figure")]
    cols = max((len(e["figure"]["poses"]) for e in rows), default=1)
    thumb, label_w = SIZE // 2, 210
    sheet = Image.new("RGB", (label_w + cols * thumb, max(1, len(rows)) * thumb + 30), PAPER)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    draw.text((6, 8), f"{doc['title']} (version {doc['version']})", fill=(0, 0, 0), font=font)
    for r, exercise in enumerate(rows):
        figure = Figure.from_dict(exercise["figure"])
        frame = _frame(figure, list(figure.poses))
        y = 30 + r * thumb
        draw.text((6, y + 8), _wrap(exercise["name"], 32), fill=(0, 0, 0), font=font)
        draw.text((6, y + thumb - 18), exercise["id"], fill=(110, 110, 110), font=font)
        for c, pose in enumerate(figure.poses):
            still = draw_pose(figure, pose, frame, pose.name).resize((thumb, thumb))
            sheet.paste(still, (label_w + c * thumb, y))
        draw.line([(0, y), (sheet.width, y)], fill=(220, 220, 220))
    return sheet


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line][:4])


def render_protocol(doc: dict, out_dir: Path) -> list[Path]:
    """Write every exercise's stills and animation and the protocol's contact sheet."""
    folder = Path(out_dir) / f"{doc['id']}-v{doc['version']}"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for phase in doc["phases"]:
        for exercise in phase["exercises"]:
            if exercise.get("figure"):
                written.extend(render_exercise(exercise, folder))
    sheet = folder / "contact-sheet.png"
    contact_sheet(doc).save(sheet, optimize=True)
    written.append(sheet)
    return written
