"""Rounded surfaces whose fill and edge colours can be set per use in kv."""

from kivy.properties import ColorProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from mobile.widgets import theme


class Card(BoxLayout):
    """A white rounded panel that grows with its content."""

    fill = ColorProperty(theme.SURFACE)
    edge = ColorProperty(theme.LINE)


class NoticeBox(Card):
    """A highlighted panel for what the patient must not do (amber by default)."""

    fill = ColorProperty(theme.WARN_SOFT)
    edge = ColorProperty(theme.WARN_LINE)


class Pill(Label):
    """A small rounded status label."""

    fill = ColorProperty(theme.PRIMARY_SOFT)
