"""Stride's pure domain core: no Flask, SQLAlchemy or Kivy imports allowed here."""
