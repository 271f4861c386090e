"""Thin screen classes: each loads its own .kv and forwards events to `mobile.core`."""
