"""Drive the real web app in headless Chromium, the way FLET_TESTING.md describes.

``AppServer`` seeds a store with the demo data and serves ``python -m app --web`` from it on a
free loopback port; ``open_app`` loads the page, waits for Flutter, switches semantics on and
gets past the lock screen with ``PIN`` (choosing it on a new device), after which controls are
found by their accessible names (labels, tooltips, button texts).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlmodel import select

from app.cli import DEMO_PIN
from app.demo import seed
from app.security import Vault
from app.services import network, residents
from app.store import Store

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
BOUND_MS = 45_000
"""The last-resort bound of every wait and assertion: generous, since other work may share the
two cores (a test waits for a state, and this only ends a wait for one that never comes)."""
PHONE = {"width": 412, "height": 915}
TABLET = {"width": 1024, "height": 768}
LAPTOP = {"width": 1440, "height": 900}
PIN = DEMO_PIN  # the PIN of every device the browser tests make
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]
# Flutter puts an announcement into its live region for 300 ms (two Dart timers), and a second
# one within that time overwrites the first: a poll of the DOM can miss it on a busy machine.
# A MutationObserver sees every text the region is given, in the task that gives it; each page
# keeps them in ``window.__announced`` until ``announced`` takes them.
RECORD_ANNOUNCEMENTS = """
window.__announced = [];
new MutationObserver(records => {
  for (const r of records) {
    const name = r.target.localName || '';
    if (!name.startsWith('flt-announcement-')) continue;
    for (const n of r.addedNodes) if (n.textContent) window.__announced.push(n.textContent);
  }
}).observe(document, {childList: true, subtree: true});
"""


def device_store(data_dir: Path) -> Store:
    """The device's encrypted store, opened with ``PIN`` (chosen now on a new device)."""
    vault = Vault(data_dir)
    return vault.unlock(PIN) if vault.is_set_up else vault.set_up(PIN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """The app in web mode on its own data dir, seeded with the demo neighbourhood."""

    def __init__(self, data_dir: Path, renderer: str | None = None, seed_demo: bool = True,
                 env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.env = env or {}
        """Extra environment of the app process (e.g. a PYTHONPATH that hides a module)."""
        self.seed_demo = seed_demo
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.renderer = renderer
        self.proc: subprocess.Popen[bytes] | None = None
        self.ids: dict[str, Any] = {}

    def start(self) -> AppServer:
        if self.seed_demo:
            store = device_store(self.data_dir)
            try:
                self.ids = seed(store)
            finally:
                store.close()
        env = {**os.environ, "FLET_FORCE_WEB_SERVER": "true", "PYTHONPATH": str(ROOT),
               **self.env}
        if self.renderer:
            env["FLET_WEB_RENDERER"] = self.renderer
        self.log = open(self.data_dir / "app.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--web", "--port", str(self.port),
             "--data-dir", str(self.data_dir)], cwd=ROOT, env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60  # generous: the machine may be busy
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited: {(self.data_dir / 'app.log').read_text()}")
            try:
                with urllib.request.urlopen(self.url, timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("the app did not start within 60 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    def store(self) -> Store:
        """A second connection to the app's database, to check what was really saved."""
        return Vault(self.data_dir).unlock(PIN)

    def rows(self, model: type) -> list[Any]:
        """Every row of ``model`` as the app saved it (read through a second connection)."""
        store = self.store()
        try:
            with store.session() as s:
                return list(s.exec(select(model)).all())
        finally:
            store.close()


def until(check: Callable[[], Any], what: str, timeout: float = 45) -> None:
    """Poll (the app's database, a file) until ``check`` holds; the bound is for a busy
    machine, not a pace: a state is waited for, never a time."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.1)


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)


def _only_loopback(route: Any) -> None:
    host = route.request.url.split("/")[2].split(":")[0]
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def open_app(browser: Any, url: str, viewport: dict[str, int], pin: str | None = PIN,
             **context_options: Any) -> Any:
    """A fresh page on the app with semantics on, ready to be driven by accessible names;
    unlocked with ``pin`` (left at the lock screen if None). ``context_options`` go to the
    browser context (e.g. ``geolocation`` and ``permissions``)."""
    context = browser.new_context(viewport=viewport, **context_options)
    context.route("**/*", _only_loopback)
    context.add_init_script(RECORD_ANNOUNCEMENTS)
    context.set_default_timeout(BOUND_MS)
    page = context.new_page()
    frames: list[bytes] = []
    page._wijkweb_frames = frames  # read by sent() and fill()

    def record(ws: Any) -> None:
        ws.on("framesent", lambda f: frames.append(f if isinstance(f, bytes) else f.encode()))

    page.on("websocket", record)
    page.goto(url)
    page.wait_for_selector("flutter-view")
    page.wait_for_selector("#loading", state="detached")
    page.wait_for_selector("flt-semantics-placeholder", state="attached")
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    page.wait_for_selector("flt-semantics-host flt-semantics", state="attached")
    if pin is not None:
        unlock(page, pin)
    return page


def set_idle_lock(server: AppServer, minutes: float) -> None:
    """The device's idle lock, set on disk: the app reads it at every check."""
    from app.services.settings import IDLE_META

    store = server.store()
    store.set_meta(IDLE_META, str(minutes))
    store.close()


def unlock(page: Any, pin: str = PIN) -> None:
    """Get past the lock screen: enter the PIN, or choose it (twice) on a new device."""
    unlock_button = page.get_by_role("button", name="Ontgrendelen", exact=True)
    set_up_button = page.get_by_role("button", name="Pincode instellen", exact=True)
    button = unlock_button.or_(set_up_button)
    button.wait_for()
    submit_pin(page, pin, lambda: not button.count(), again=bool(set_up_button.count()))


INCOMPLETE = "niet helemaal binnengekomen"  # lock.error.incomplete


def submit_pin(page: Any, pin: str, answered: Callable[[], Any], again: bool = False) -> None:
    """Type ``pin`` on the lock screen (and in "Herhaal pincode" with ``again``), ``tap`` its
    button and poll until ``answered()`` holds.

    A tap can overtake the PIN's last keystrokes: the app then says the PIN did not come
    through in full, empties the field and counts nothing (``lock.error.incomplete``, also
    announced), and the PIN is typed again, as a worker would.
    """
    button = page.get_by_role("button", name="Ontgrendelen", exact=True).or_(
        page.get_by_role("button", name="Pincode instellen", exact=True))
    for _attempt in range(3):
        fill(page, "Pincode", pin)
        if again:
            fill(page, "Herhaal pincode", pin)
        tap(page, button)
        tapped = time.monotonic()
        while not answered():
            if page.evaluate(TAKE_ANNOUNCED, INCOMPLETE):
                break
            assert time.monotonic() < tapped + BOUND_MS / 1000, "the PIN was not answered"
            time.sleep(0.1)
        else:
            return
    raise AssertionError("the lock screen did not take the PIN in three tries")


def on_field(page: Any, label: str, act: Any = None) -> Any:
    """Focus the text field labelled ``label``, then ``act(box, patience)`` (its bound in ms);
    retried as a whole. Returns the field.

    Flutter rebuilds its semantics nodes while a screen loads, and a click during a scroll can
    land on the field that was there before: so focus is checked and the click retried (a
    second tap on a text field only focuses it again), each time with twice the patience, for
    a busy machine. An unfocused field does not expose its value to the DOM either, so reads go
    through here too.
    """
    exact = page.get_by_role("textbox", name=label, exact=True)
    loose = page.get_by_role("textbox", name=label).first  # a hint may follow the label
    exact.or_(loose).first.wait_for()
    focused = ("label => document.activeElement && (document.activeElement.getAttribute("
               "'aria-label') || '').includes(label)")
    for attempt in range(5):
        patience = 3_000 * 2 ** attempt
        try:
            # chosen again each time: a focused field's name gains its hint, so "exact" may go
            box = exact if exact.count() else loose
            box.scroll_into_view_if_needed(timeout=patience)
            box.click(timeout=patience)
            page.wait_for_function(focused, arg=label, timeout=patience)
            if act is not None:
                act(box, patience)
            return box
        except Exception:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def fill(page: Any, label: str, text: str) -> None:
    """Type into a text field found by its label: focus first, then fill, then check; and
    return once the page has sent the text to the app server.

    The field shows the text before the page sends it on, and a tap travels to the app server
    on another path than typing: a tap on "Opslaan" right after could overtake the last
    keystrokes (on a busy machine it did). Messages on the one WebSocket arrive in order, so
    a tap sent after the text reaches the app after it. Text typed into a field that Flutter
    has focused but not yet opened for editing stays in the field and is never sent (on a busy
    machine, now and then): it is typed again, which at worst sends the same text again.
    """
    held: list[str] = []

    def type_in(box: Any, patience: float) -> None:
        held.append(box.input_value(timeout=patience))
        box.fill(text, timeout=patience)
        expect(box).to_have_value(text, timeout=patience)

    for _attempt in range(3):
        since = sent(page)
        on_field(page, label, type_in)
        if not text or held[0] == text or _sent_since(page, since, (text.encode(),), 15):
            return
    raise AssertionError("the typed text was not sent to the app server")


def sent_on(page: Any, since: int, text: str) -> None:
    """Wait until the page has sent ``text`` to the app server in a message after its
    ``since``-th (``sent``): typed text is on its way to the app, not only in the field."""
    assert _sent_since(page, since, (text.encode(),), BOUND_MS / 1000), (
        "the typed text was not sent to the app server")


def _sent_since(page: Any, since: int, want: tuple[bytes, ...], seconds: float) -> bool:
    """Whether a message the page sent after its ``since``-th holds one of ``want``, within
    ``seconds``."""
    frames, deadline = _frames(page), time.monotonic() + seconds
    while not any(w in f for f in frames[since:] for w in want):
        if time.monotonic() > deadline:
            return False
        # a call into Playwright, not a sleep: only then does it hand over the page's events
        page.wait_for_timeout(50)
    return True


def event(*names: str) -> tuple[bytes, ...]:
    """How the events ``names`` read in a message of the page (MessagePack ``name: …``)."""
    return tuple(b"\xa4name" + bytes([0xA0 + len(n)]) + n.encode() for n in names)


CLICK = event("click")  # a button, tile or card
CHOSEN = event("change", "select")  # a switch or box; a chip
NAVIGATED = event("change")  # the phone's navigation bar or the tablet's rail


def tap(page: Any, target: Any, sends: tuple[bytes, ...] = CLICK) -> None:
    """Tap ``target`` and return once the event it ``sends`` has left the page for the app
    server.

    A tap that lands while Flutter scrolls or rebuilds its semantics tree can reach nothing
    (a save at the foot of a long form did, now and then, even on a quiet machine, and a
    switch right after the form came back from the lock screen). Only a tap whose event was
    never sent within 15 s is tapped again, so no event is sent twice. Any other message (a
    field losing focus) says nothing about the tap.
    """
    for _attempt in range(3):
        before = sent(page)
        target.click()
        if _sent_since(page, before, sends, 15):
            return
    raise AssertionError("three taps sent nothing to the app server")


def choose(page: Any, role: str, name: str, exact: bool = False, nth: int = 0) -> None:
    """Tap a chip, checkbox or switch (the ``nth`` of that name) and wait until it shows as
    chosen: the next tap (often "Opslaan") must not overtake this one."""
    box = page.get_by_role(role, name=name, exact=exact).nth(nth)
    tap(page, box, CHOSEN)
    expect(box).to_be_checked()


def nav(page: Any, label: str) -> None:
    """Go to a navigation destination: a tab of the phone's bar, or a button of the tablet's
    rail."""
    tap(page, page.get_by_role("tab", name=label).or_(
        page.get_by_role("button", name=re.compile(rf"^{re.escape(label)} Tab"))).first,
        NAVIGATED)


def sent(page: Any) -> int:
    """How many messages the page has sent to the app server over its WebSocket (as far as
    Playwright has handed them over: it does so during calls into it, never during a sleep)."""
    return len(_frames(page))


def _frames(page: Any) -> list[bytes]:
    frames: list[bytes] | None = getattr(page, "_wijkweb_frames", None)
    if frames is None:
        raise RuntimeError("a page from open_app records its messages")
    return frames


def search_list(page: Any, label: str, text: str, shown: list[str], found: list[str]) -> None:
    """Type ``text`` into a list's search field labelled ``label``, and return once the list
    shows what it found (``found``, the names the search gives; ``shown``, those of the list
    before it).

    The list is replaced a moment after typing stops (later still on a busy machine): a tap
    before that lands on a row that is being replaced and reaches nothing. So the list must
    first show a name the search leaves out (loaded), and then no longer (searched).
    """
    names = [*shown, *found]
    # a name no other holds (not "Jan" beside "Jan de Vries"), so that its row alone has it
    other = next(n for n in shown if n not in found
                 and not [m for m in names if m != n and n in m])
    page.get_by_role("button", name=other).first.wait_for()
    fill(page, label, text)
    expect(page.get_by_role("button", name=other)).to_have_count(0)


def search_residents(page: Any, server: AppServer, text: str) -> None:
    """``search_list`` on Bewoners."""
    store = server.store()
    try:
        shown, found = ([r.name for r in residents.search(store, typed, 0).rows]
                        for typed in ("", text))
    finally:
        store.close()
    search_list(page, "Zoek bewoner (naam of straat)", text, shown, found)


def search_people(page: Any, server: AppServer, text: str) -> None:
    """``search_list`` on Netwerk."""
    store = server.store()
    try:
        shown, found = ([p.name for p in network.search_people(store, typed)[0]]
                        for typed in ("", text))
    finally:
        store.close()
    search_list(page, "Zoek netwerkpersoon of sleutelfiguur", text, shown, found)


# true once ``text`` was announced, taking that announcement and the ones before it
TAKE_ANNOUNCED = """text => {
  const i = window.__announced.findIndex(m => m.includes(text));
  if (i < 0) return false;
  window.__announced.splice(0, i + 1);
  return true;
}"""


def announced(page: Any, text: str, timeout: float = 45_000) -> None:
    """Wait until ``text`` has been announced to the screen reader (a snackbar's message or the
    app's own announcement), as recorded by ``RECORD_ANNOUNCEMENTS``; that announcement and the
    ones before it are taken, so a later wait needs an announcement of its own."""
    page.wait_for_function(TAKE_ANNOUNCED, arg=text, timeout=timeout)


def screenshot(page: Any, name: str) -> Path:
    out = ROOT / "docs" / "screenshots" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # let animations settle
    page.screenshot(path=str(out))
    return out
