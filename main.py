"""Entry point of the packaged app: `flet build apk` / `ipa` run this module, which runs the app."""

from app.main import run
from app.selftest import from_environment

from_environment()  # WIJKWEB_SELFTEST=1 (the CI's emulator run): a verdict first, then the app
run()
