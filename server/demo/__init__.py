"""Demo data: staff, patients with realistic stories and weeks of history, made via services."""

from server.demo.seed import seed_demo

__all__ = ["seed_demo"]
