"""A resident's page: name and address, then ambitions, talents and obstacles (PAK: start from
dreams), the timeline and the network; the administration (primary worker, legal basis,
retention) last, with only a missing consent flagged at the top."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain import vocab as codes
from app.i18n import t, vocab
from app.services import activations as activation_service
from app.services import network as network_service
from app.services import reads, retention
from app.services import residents as service
from app.services.resident_forms import ActivationForm, LegalBasisForm, PrimaryWorkerForm
from app.services.residents import TimelineItem
from app.ui.forms import bound_choice, bound_date, bound_field, finish_form
from app.ui.handlers import guard, guarded
from app.ui.widgets import (
    MUTED,
    OVERDUE,
    TOUCH,
    Choice,
    PagedList,
    close_dialog,
    error_text,
    field,
    form_dialog,
    heading,
    muted,
    refresh,
    screen_column,
    secondary_button,
    show_error,
)

if TYPE_CHECKING:
    from app.ui.shell import App


def timeline_text(item: TimelineItem) -> tuple[str, str, ft.IconData]:
    """Title, subtitle and icon of one timeline entry."""
    row, day = item.row, item.at.astimezone().strftime("%d-%m-%Y")
    if item.kind == "contact":
        who = t("contact.group", n=row.group_size, label=row.group_label or "") \
            if row.group_size else vocab("channel", row.channel)
        return (f"{day} · {t('timeline.contact')} · {who}",
                " · ".join(x for x in (row.street, row.note) if x), ft.Icons.CHAT_OUTLINED)
    if item.kind == "activation":
        return (f"{day} · {t('timeline.activation')}",
                f"{row.request} — {vocab('outcome', row.outcome)}", ft.Icons.HUB_OUTLINED)
    if item.kind == "agreement":
        return (f"{day} · {t('timeline.agreement')} · {vocab('status', row.status)}",
                row.what, ft.Icons.ASSIGNMENT_OUTLINED)
    return (f"{day} · {t('timeline.score')}",
            f"{vocab('zrm', row.domain)}: {row.score}", ft.Icons.INSIGHTS)


class ResidentPage:
    shows = frozenset({"resident", "household", "contact", "tie", "network_person",
                       "activation", "agreement", "outcome_score", "worker"})
    """Loaded again when a pull changes these (``App._after_sync``); what is typed into the
    list fields stays."""

    def __init__(self, app: App, resident_id: str):
        self.app = app
        self.rid = resident_id
        self.title = t("resident.title")
        self.profile: service.Profile | None = None
        self.adders: dict[str, ft.TextField] = {}

    def build(self) -> ft.Control:
        self.header = ft.Column(spacing=4)
        self.admin = ft.Column(spacing=4)
        self.lists = ft.Column(spacing=12)
        self.timeline = PagedList(self.app, self._fetch_timeline, self._timeline_tile,
                                  t("resident.timeline_empty"))
        self.network = ft.Column(spacing=0)
        self.activations = ft.Column(spacing=0)
        actions = ft.Row([
            secondary_button(t("contact.new"), lambda _e: self.app.go(f"contact/{self.rid}"),
                             icon=ft.Icons.ADD_COMMENT),
            secondary_button(t("ecogram.open"), lambda _e: self.app.go(f"ecogram/{self.rid}"),
                             icon=ft.Icons.HUB),
            secondary_button(t("activation.new"), self._activate, icon=ft.Icons.HANDSHAKE),
            secondary_button(t("scores.open"), lambda _e: self.app.go(f"scores/{self.rid}"),
                             icon=ft.Icons.INSIGHTS),
            secondary_button(t("agreements.of_resident"),
                             lambda _e: self.app.go(f"agreements/{self.rid}"),
                             icon=ft.Icons.ASSIGNMENT),
        ], wrap=True, spacing=8, run_spacing=8)
        return screen_column([
            self.header, self.lists, actions,
            heading(t("resident.timeline")), self.timeline,
            heading(t("resident.network")), self.network,
            heading(t("resident.activations")), self.activations,
            heading(t("resident.admin")), self.admin,
            ft.Container(height=80),
        ], spacing=12)

    @guarded
    async def load(self) -> None:
        self.profile = await self.app.bg(service.profile, self.app.store, self.rid)
        if self.profile is None:
            self.header.controls = [muted(t("resident.gone"), 15)]
            refresh(self.header)
            return
        self._render_header()
        self._render_lists()
        refresh(self.header)
        refresh(self.admin)
        refresh(self.lists)
        await self.timeline.reload()
        await self._load_network()

    # ------------------------------------------------------------------ header

    def _render_header(self) -> None:
        p = self.profile
        assert p is not None
        h = p.household
        address = f"{h.street} {h.house_number or ''}".strip() if h else ""
        rows: list[ft.Control] = [
            ft.Text(p.resident.name, size=26, weight=ft.FontWeight.W_700),
            muted(" · ".join(x for x in (address, t("resident.born", year=p.resident.birth_year)
                                         if p.resident.birth_year else "") if x), 15),
        ]
        if p.members:
            rows.append(muted(t("resident.household", names=", ".join(m.name for m in p.members))))
        if p.consent_missing and h:
            rows.append(ft.TextButton(
                content=ft.Text(t("resident.consent_missing"), color=OVERDUE),
                on_click=self._change_basis, tooltip=t("resident.change_basis")))
        self.header.controls = rows
        self.admin.controls = self._admin_rows()

    def _admin_rows(self) -> list[ft.Control]:
        """Primary worker, legal basis and retention: one consistent line for the basis."""
        p = self.profile
        assert p is not None
        h = p.household
        if h is None:
            basis = t("resident.no_household")
        elif p.consent_missing:
            basis = t("resident.consent_not_recorded")
        else:
            basis = vocab("legal_basis", h.legal_basis)
            if h.consent_date:
                basis += " " + t("resident.since", day=h.consent_date.strftime("%d-%m-%Y"))
        rows: list[ft.Control] = [
            ft.Row([ft.Icon(ft.Icons.PERSON_PIN, color=MUTED),
                    ft.Text(t("resident.primary_worker",
                              name=p.primary_worker or t("resident.nobody"))),
                    ft.TextButton(content=t("action.change"), on_click=self._change_worker,
                              tooltip=t("resident.change_worker"), height=TOUCH)], wrap=True),
            ft.Row([ft.Icon(ft.Icons.GAVEL, color=OVERDUE if p.consent_missing else MUTED),
                    ft.Text(t("resident.legal_basis", basis=basis),
                            color=OVERDUE if p.consent_missing else None),
                    ft.TextButton(content=t("action.change"), on_click=self._change_basis,
                              tooltip=t("resident.change_basis"), height=TOUCH)], wrap=True),
        ]
        if h:
            rows.append(muted(t("retention.term", years=retention.term_years(h.legal_basis))))
        return rows

    async def _change_worker(self, _e: Any) -> None:
        p = self.profile
        if p is None or p.household is None:
            return
        household = p.household
        workers = await self.app.bg(reads.workers, self.app.store)
        names = {w.id: w.name for w in workers}
        form = PrimaryWorkerForm(household.id, household.primary_worker_id)
        choice = bound_choice(form, "worker_id", "worker", list(names), default=None,
                              label=lambda wid: names[wid])

        @guard(self.app)
        async def save(_e: Any) -> None:
            if await self.app.bg(form.save, self.app.store):
                await self.app.saved()
            close_dialog(dialog)
            await self.load()

        dialog = form_dialog(t("resident.change_worker"), choice, save)
        self.app.dialog(dialog)

    async def _change_basis(self, _e: Any) -> None:
        p = self.profile
        if p is None or p.household is None:
            return
        form = LegalBasisForm.of(p.household)
        term = muted(t("retention.term", years=form.term_years()))

        def basis_chosen() -> None:
            term.value = t("retention.term", years=form.term_years())
            refresh(term)

        basis = bound_choice(form, "legal_basis", "legal_basis", codes.LEGAL_BASES,
                             then=basis_chosen)
        basis_error = error_text()
        day = bound_date(self.app, form, "consent_date", t("resident.consent_date"))

        @guard(self.app)
        async def save(_e: Any) -> None:
            errors = await self.app.bg(form.save, self.app.store)
            if await finish_form(self.app, dialog, errors,
                                 [(basis_error, "legal_basis"), (day, "consent_date")]):
                await self.load()

        dialog = form_dialog(t("resident.change_basis"),
                             ft.Column([basis, basis_error, term, day], tight=True), save)
        self.app.dialog(dialog)

    # ------------------------------------------------------------------ dreams, talents, obstacles

    def _render_lists(self) -> None:
        p = self.profile
        assert p is not None
        typed = {which: adder.value for which, adder in self.adders.items()}
        self.lists.controls = [self._list_block(which, getattr(p.resident, which))
                               for which in service.LISTS]
        for which, value in typed.items():  # a reload after a pull keeps what was typed
            self.adders[which].value = value

    def _list_block(self, which: str, values: list[str]) -> ft.Control:
        chips = ft.Row(wrap=True, spacing=8, run_spacing=8)
        new = self.adders[which] = field(t(f"resident.add_{which}"), expand=True)

        def chip(value: str) -> ft.Chip:
            async def remove(_e: Any) -> None:
                await self.app.bg(service.remove_from_list, self.app.store, self.rid, which, value)
                chips.controls.remove(c)
                refresh(chips)
                await self.app.saved()

            c = ft.Chip(label=value, on_delete=remove,
                        delete_icon_tooltip=t("resident.remove_item", item=value))
            return c

        chips.controls = [chip(v) for v in values]

        @guard(self.app)
        async def add(_e: Any) -> None:
            errors = await self.app.bg(service.add_to_list, self.app.store, self.rid, which,
                                       new.value or "")
            show_error(new, errors.get(which))
            if not errors:
                chips.controls.append(chip((new.value or "").strip()))
                new.value = ""
                refresh(chips)
                await self.app.saved()
            refresh(new)

        new.on_submit = add
        return ft.Column([
            heading(t(f"resident.{which}"), 17), chips,
            ft.Row([new, ft.IconButton(ft.Icons.ADD, tooltip=t(f"resident.add_{which}"),
                                       on_click=add)]),
        ], spacing=6)

    # ------------------------------------------------------------------ timeline

    def _fetch_timeline(self, offset: int) -> tuple[list[TimelineItem], bool]:
        return service.timeline_page(self.app.store, self.rid, offset)

    def _timeline_tile(self, item: TimelineItem) -> ft.ListTile:
        """An entry shows three lines; a tap opens the whole record where it can be corrected."""
        title, subtitle, icon = timeline_text(item)
        return ft.ListTile(leading=ft.Icon(icon), title=ft.Text(title),
                           subtitle=ft.Text(subtitle, max_lines=3,
                                            overflow=ft.TextOverflow.ELLIPSIS),
                           min_height=TOUCH, on_click=self._opener(item, title, subtitle))

    def _opener(self, item: TimelineItem, title: str, text: str) -> Any:
        route = {"contact": f"contact_edit/{item.row.id}", "agreement": f"agreements/{self.rid}",
                 "outcome_score": f"scores/{self.rid}"}.get(item.kind)
        if route:
            return lambda _e: self.app.go(route)

        def read(_e: Any) -> None:  # an activation: its outcome is set further down this page
            dialog: ft.AlertDialog
            dialog = ft.AlertDialog(
                title=ft.Text(title), content=ft.Text(text, selectable=True),
                actions=[ft.TextButton(content=t("action.close"), height=TOUCH,
                                       on_click=lambda _e: close_dialog(dialog))])
            self.app.dialog(dialog)
        return read

    # ------------------------------------------------------------------ network and activations

    async def _load_network(self) -> None:
        store = self.app.store
        ties = await self.app.bg(reads.ties, store, self.rid)
        self.ties = ties
        self.network.controls = [ft.ListTile(
            leading=ft.Icon(ft.Icons.PERSON, color=OVERDUE if tie.strength == "strained"
                            else None),
            title=ft.Text(person.name),
            subtitle=ft.Text(f"{vocab('tie', tie.kind)} · {vocab('strength', tie.strength)}"),
            on_click=lambda _e, pid=person.id: self.app.go(f"person/{pid}"), min_height=TOUCH)
            for tie, person in ties] or [muted(t("resident.no_ties"), 15)]
        acts = await self.app.bg(reads.activations, store, self.rid)
        people = await self.app.bg(reads.people_by_id, store,
                                   [pid for a in acts for pid in a.person_ids])
        self.activations.controls = [self._activation(a, people) for a in acts] or [
            muted(t("resident.no_activations"), 15)]
        refresh(self.network)
        refresh(self.activations)

    @guarded
    async def _outcome(self, activation_id: str, choice: Choice) -> None:
        await self.app.bg(activation_service.set_outcome, self.app.store, activation_id,
                          choice.value[0])
        self.app.toast(t("activation.outcome_saved"))
        await self.app.saved()

    def _activation(self, a: Any, people: dict[str, Any]) -> ft.Control:
        names = ", ".join(people[p].name for p in a.person_ids if p in people)
        hint = muted(t("activation.hold_check")) if activation_service.due_for_hold_check(a) \
            else ft.Container()

        choice = Choice("outcome", codes.ACTIVATION_OUTCOMES, [a.outcome])
        choice.on_choice = partial(self._outcome, a.id, choice)
        return ft.Column([
            ft.Text(f"{a.date.strftime('%d-%m-%Y')} · {a.request}", weight=ft.FontWeight.W_600),
            muted(t("activation.asked", names=names or "—")), choice, hint, ft.Divider()],
            spacing=4)

    async def _activate(self, _e: Any) -> None:
        store = self.app.store
        ties = await self.app.bg(reads.ties, store, self.rid)
        keys, _ = await self.app.bg(network_service.search_people, store, "", True, 0, 100)
        names = {p.id: p.name for _, p in ties}
        names.update({p.id: t("activation.key_figure", name=p.name) for p in keys
                      if p.id not in names})
        form = ActivationForm(self.rid)
        who = bound_choice(form, "person_ids", "person", list(names), multi=True,
                           label=lambda pid: names[pid])
        who_error = error_text()
        request = bound_field(form, "request", t("activation.request"), multiline=True,
                              min_lines=2)
        day = bound_date(self.app, form, "day", t("activation.date"))

        @guard(self.app)
        async def save(_e: Any) -> None:
            _, errors = await self.app.bg(form.save, store, self.app.ctx)
            if await finish_form(self.app, dialog, errors, [
                    (who_error, "persons"), (request, "request"), (day, "date")],
                    "activation.saved"):
                await self._load_network()
                await self.timeline.reload()

        body = ft.Column([ft.Text(t("activation.who")), who, who_error, request, day],
                         tight=True)
        dialog = form_dialog(t("activation.new"), body, save)
        self.app.dialog(dialog)
