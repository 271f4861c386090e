"""Developer tools: not part of the app or the server packages."""
