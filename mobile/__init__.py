"""Stride's Kivy app: screens in `mobile.screens`, window-free logic in `mobile.core`."""
