"""Entry point of the packaged app: `flet build apk` / `ipa` run this module, which runs the app."""

from app.main import run

run()
