"""Service layer: use cases that take their dependencies (session, user) as arguments."""
