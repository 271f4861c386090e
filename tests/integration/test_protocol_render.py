"""`flask --app server protocols render DIR` draws what a reviewing physiotherapist looks at."""

import shutil

from PIL import Image

from tests.unit.shipped_protocols import PROTOCOLS_DIR


def test_render_writes_key_poses_an_animation_per_exercise_and_a_contact_sheet(clean_app, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(PROTOCOLS_DIR / "pelvic-floor-downtraining.yaml", source)
    result = clean_app.test_cli_runner().invoke(
        args=["protocols", "render", str(tmp_path / "out"), str(source)]
    )
    assert result.exit_code == 0, result.output
    folders = list((tmp_path / "out").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("pelvic-floor-downtraining-v")
    folder = folders[0]
    with Image.open(folder / "childs-pose-breathing.png") as moving:
        assert moving.format == "PNG" and moving.n_frames > 20 and moving.is_animated
        first = moving.convert("RGB").tobytes()
        moving.seek(moving.n_frames // 3)
        assert moving.convert("RGB").tobytes() != first  # the figure moves
    for pose in ("start", "breath_in"):
        assert (folder / f"childs-pose-breathing.{pose}.png").is_file()
    with Image.open(folder / "contact-sheet.png") as sheet:
        assert sheet.height > 9 * 100  # a row per exercise


def test_render_refuses_a_broken_file_and_draws_nothing(clean_app, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (PROTOCOLS_DIR / "pelvic-floor-downtraining.yaml").read_text()
    bad.write_text(text.replace("view: side", "view: top", 1))
    result = clean_app.test_cli_runner().invoke(
        args=["protocols", "render", str(tmp_path / "out"), str(bad)]
    )
    assert result.exit_code == 1
    assert "figure.view: must be one of: side, front" in result.output
    assert not (tmp_path / "out").exists()
