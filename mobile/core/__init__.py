"""The app's plain-Python core: local store, sync, today's plan, reminders and progress.

Nothing here imports Kivy (it is tested without a window) or a third-party package (it must
package for Android as it is): only the standard library and the server's pure domain core.
"""
