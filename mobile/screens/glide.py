"""The question after a neural glide: did tingling or numbness come on, and is it still there."""

from domain import nerves
from mobile.widgets.dialogs import ChoiceDialog


def ask_after_glide(item, on_answer) -> None:
    """Ask nerves.QUESTION about a glide just done; `on_answer(answer)` gets the choice."""
    ChoiceDialog(
        on_answer,
        title=nerves.QUESTION,
        message=f"{item.name}. Your answer is saved with this session.",
        options=list(nerves.CHOICES),
    ).open()


def advice(answer: str) -> str:
    """Return what the patient is told after an answer ("" when nothing needs saying)."""
    return nerves.ADVICE.get(answer, "")


def follow_up_question(name: str | None) -> str:
    """Return nerves.FOLLOW_UP about an exercise ("after the sciatic nerve slider (...)")."""
    what = f"the {name[0].lower()}{name[1:]}" if name else "your nerve glides"
    return nerves.FOLLOW_UP.format(name=what)
