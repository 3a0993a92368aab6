"""Flet screens: one file per screen, shared widgets in ``widgets``, navigation in ``shell``.

Screens are thin: they build controls from the services' view models and forward events to the
services; anything that touches the store runs off the event loop (``App.bg``).
"""
