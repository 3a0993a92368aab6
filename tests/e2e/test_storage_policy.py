"""A phone without SQLCipher (storage class ``os``) enrolls into a team that requires encrypted
storage: the server refuses with ``storage_policy`` and the enroll screen says why in Dutch,
at phone size, with no traceback; the code the worker typed stays in the field."""

from __future__ import annotations

import pytest

from app.store.store import DB_NAME
from sync_server.store import ServerStore
from tests.e2e.harness import PHONE, ROOT, AppServer, fill, free_port, open_app, tap
from tests.e2e.test_sync_offline import start_server, stop_server

pytestmark = pytest.mark.e2e

NO_SQLCIPHER = """
import importlib.abc, sys
class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "sqlcipher3":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _Absent())
"""
"""A ``sitecustomize`` that makes the app process look like a phone without the binding."""


def test_a_phone_refused_by_the_team_policy_is_told_why(browser, tmp_path) -> None:
    db, port = tmp_path / "server.db", free_port()
    admin = ServerStore(db)
    team = admin.add_team("Team Oostwijk")
    code = admin.create_enrollment(admin.add_worker("Sanne de Vries", "street_coach", [team]))
    admin.close()
    server = start_server(db, port)
    hide = tmp_path / "phone-python"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(NO_SQLCIPHER)
    (tmp_path / "phone").mkdir()
    app = AppServer(tmp_path / "phone", seed_demo=False,
                    env={"PYTHONPATH": f"{hide}:{ROOT}"}).start()
    try:
        page = open_app(browser, app.url, PHONE)
        tap(page, page.get_by_label("Instellingen").first)
        host = page.locator("flt-semantics-host")
        host.get_by_text("Apparaat koppelen", exact=True).first.wait_for()
        fill(page, "Serveradres", f"http://127.0.0.1:{port}")
        fill(page, "Koppelcode", code)
        tap(page, page.get_by_role("button", name="Koppelen", exact=True))
        host.get_by_text("Je team vraagt om versleutelde opslag", exact=False).first.wait_for()
        assert page.get_by_label("Koppelcode").first.input_value() == code
        host.get_by_text("versleuteld door het besturingssysteem", exact=False).first.wait_for()
        log = (app.data_dir / "app.log").read_text()
        assert "Traceback" not in log
        # storage class os: a plain SQLite file in the app's data dir (behind the PIN lock)
        assert (app.data_dir / DB_NAME).read_bytes()[:16] == b"SQLite format 3\x00"
        page.context.close()
    finally:
        app.stop()
        stop_server(server)
