"""A resident's ecogram on a canvas: the resident in the centre, a sector per kind of tie,
distance for strength, strained ties red and dashed. Tap a person to edit the tie; the list
under the drawing says the same in words (for small screens and screen readers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft
import flet.canvas as cv

from app.i18n import t, tn, vocab
from app.services import network as service
from app.services import reads
from app.ui.handlers import guarded
from app.ui.tie_editor import open_tie_dialog
from app.ui.widgets import OVERDUE, TOUCH, heading, muted, primary_button, screen_column

if TYPE_CHECKING:
    from app.ui.shell import App

KIND_COLOURS = {"family": ft.Colors.DEEP_ORANGE_400, "friend": ft.Colors.BLUE_400,
                "neighbour": ft.Colors.GREEN_600, "professional": ft.Colors.PURPLE_400,
                "organisation": ft.Colors.BROWN_400}
LINE: dict[str, tuple[str, float, list[int | float] | None]] = {
    "strong": (ft.Colors.BLACK_87, 3.0, None), "weak": (ft.Colors.GREY_500, 1.5, [6, 6]),
    "strained": (ft.Colors.RED_700, 2.5, [10, 6])}


def shapes(lay: service.Layout, resident_name: str) -> list[cv.Shape]:
    """Everything drawn, from the pure layout: guides, spokes, people, centre, sector labels."""
    out: list[cv.Shape] = []
    guide = ft.Paint(color=ft.Colors.GREY_300, style=ft.PaintingStyle.STROKE, stroke_width=1)
    for share in sorted(set(service.RADIUS_BY_STRENGTH.values())):
        out.append(cv.Circle(lay.cx, lay.cy, lay.radius * share, paint=guide))
    for s in lay.sectors:
        x, y = service._point(lay.cx, lay.cy, lay.radius + service.NODE_RADIUS, s.start)
        out.append(cv.Line(lay.cx, lay.cy, x, y, paint=guide))
    for n in lay.nodes:
        colour, width, dash = LINE.get(n.strength, LINE["weak"])
        out.append(cv.Line(lay.cx, lay.cy, n.x, n.y, paint=ft.Paint(
            color=colour, stroke_width=width, style=ft.PaintingStyle.STROKE,
            stroke_dash_pattern=dash)))
    for n in lay.nodes:
        out.append(cv.Circle(n.x, n.y, service.NODE_RADIUS, paint=ft.Paint(
            color=KIND_COLOURS.get(n.kind, ft.Colors.GREY_500))))
        if n.strength == "strained":
            out.append(cv.Circle(n.x, n.y, service.NODE_RADIUS + 3, paint=ft.Paint(
                color=ft.Colors.RED_700, style=ft.PaintingStyle.STROKE, stroke_width=3)))
        out.append(cv.Text(n.x, n.y, initials(n.name), alignment=ft.Alignment.CENTER,
                           style=ft.TextStyle(size=13, color=ft.Colors.WHITE,
                                              weight=ft.FontWeight.W_700)))
        out.append(cv.Text(n.x, n.y + service.NODE_RADIUS + 9, n.name.split()[0],
                           alignment=ft.Alignment.CENTER, max_width=90,
                           style=ft.TextStyle(size=11, color=ft.Colors.BLACK_87)))
    out.append(cv.Circle(lay.cx, lay.cy, service.CENTRE_RADIUS,
                         paint=ft.Paint(color=ft.Colors.TEAL_700)))
    out.append(cv.Text(lay.cx, lay.cy, initials(resident_name), alignment=ft.Alignment.CENTER,
                       style=ft.TextStyle(size=15, color=ft.Colors.WHITE,
                                          weight=ft.FontWeight.W_700)))
    for s in lay.sectors:  # last, on a light ground: no line or name covers a sector's word
        out.append(cv.Text(s.label_x, s.label_y, vocab("tie_plural", s.kind),
                           style=ft.TextStyle(size=12, color=ft.Colors.GREY_800,
                                              weight=ft.FontWeight.W_600,
                                              bgcolor=ft.Colors.with_opacity(0.85,
                                                                             ft.Colors.WHITE)),
                           alignment=ft.Alignment.CENTER))
    return out


def initials(name: str) -> str:
    parts = [p for p in name.split() if p[:1].isupper()] or name.split() or ["?"]
    return "".join(p[0] for p in parts[:2]).upper()


class EcogramScreen:
    def __init__(self, app: App, resident_id: str):
        self.app = app
        self.rid = resident_id
        self.title = t("ecogram.title")
        self.layout: service.Layout | None = None
        self.ties: list[Any] = []
        self.name = ""

    def build(self) -> ft.Control:
        size = max(min(self.app.content_width - 32, 560.0), 280.0)
        self.size = size
        self.heading = heading("")
        self.canvas = cv.Canvas(width=size, height=size, shapes=[])
        self.drawing = ft.Semantics(
            content=ft.GestureDetector(content=self.canvas, on_tap_down=self._tapped,
                                       width=size, height=size),
            label=t("ecogram.title"))
        self.list = ft.Column(spacing=0)
        legend = ft.Row([self._legend(vocab("strength", s), *LINE[s][:1]) for s in LINE],
                        wrap=True, spacing=16)
        return screen_column([
            self.heading,
            ft.Row([primary_button(t("tie.add"), self._add, icon=ft.Icons.ADD_LINK)],
                   wrap=True),
            ft.Row([self.drawing], alignment=ft.MainAxisAlignment.CENTER), legend,
            heading(t("ecogram.people"), 17), self.list, ft.Container(height=80),
        ], spacing=10)

    @staticmethod
    def _legend(text: str, colour: str) -> ft.Control:
        return ft.Row([ft.Container(width=24, height=4, bgcolor=colour), ft.Text(text)],
                      tight=True, spacing=6)

    @guarded
    async def load(self) -> None:
        resident = await self.app.bg(reads.resident, self.app.store, self.rid)
        self.name = resident.name if resident else ""
        self.ties = await self.app.bg(reads.ties, self.app.store, self.rid)
        self.layout = service.layout(self.ties, self.size, self.size)
        self.heading.value = t("ecogram.of", name=self.name)
        self.canvas.shapes = shapes(self.layout, self.name)
        self.drawing.label = tn("ecogram.summary", len(self.ties), name=self.name)
        self.list.controls = [self._tile(tie, person) for tie, person in self.ties] or [
            muted(t("resident.no_ties"), 15)]
        self.app.page.update()

    def _tile(self, tie: Any, person: Any) -> ft.ListTile:
        support = ", ".join(vocab("support", s) for s in tie.support)
        bits = [vocab("tie", tie.kind), vocab("strength", tie.strength), support]
        return ft.ListTile(
            leading=ft.Icon(ft.Icons.CIRCLE, color=KIND_COLOURS.get(tie.kind)),
            title=ft.Text(person.name),
            subtitle=ft.Text(" · ".join(b for b in bits if b),
                             color=OVERDUE if tie.strength == "strained" else None),
            on_click=lambda _e: self._edit(tie, person), min_height=TOUCH)

    def _edit(self, tie: Any, person: Any) -> None:
        open_tie_dialog(self.app, self.load, resident=(self.rid, self.name),
                        person=(person.id, person.name), tie=tie)

    async def _tapped(self, e: ft.TapEvent[Any]) -> None:
        if self.layout is None or e.local_position is None:
            return
        node = service.hit(self.layout, e.local_position.x, e.local_position.y)
        if node is not None:
            pair = next(((tie, p) for tie, p in self.ties if tie.id == node.tie_id), None)
            if pair:
                self._edit(*pair)

    async def _add(self, _e: Any) -> None:
        open_tie_dialog(self.app, self.load, resident=(self.rid, self.name))
