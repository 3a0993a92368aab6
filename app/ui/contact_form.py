"""Quick contact: who, where, channel, themes, note, follow-up — saved locally at once, with undo.

The same form opens a saved contact (``contact_id``): the whole note readable, every field
correctable, saved as a normal synced edit (``contacts.correct_contact``).

Everything typed is written to the store's meta as a draft while typing (debounced), so a crash,
a closed tab or a killed app loses nothing; the draft is restored when the form opens and cleared
by the save itself (in the same transaction).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain import vocab as codes
from app.i18n import t
from app.services import contacts as service
from app.services import reads
from app.services.contact_form import ContactFormModel
from app.services.contacts import ContactDraft, NewResident
from app.ui.handlers import guard, guarded
from app.ui.widgets import (
    TOUCH,
    Choice,
    ResidentPicker,
    date_field,
    error_text,
    field,
    heading,
    muted,
    primary_button,
    refresh,
    screen_column,
    secondary_button,
    set_error_text,
    show_error,
)

if TYPE_CHECKING:
    from app.ui.shell import App

DRAFT_DELAY = 0.4  # s of quiet typing before the draft is written


class ContactForm:
    """The form's controls: each change goes into ``self.form`` (the model), and ``show`` puts
    the model into the controls."""

    def __init__(self, app: App, resident_id: str | None = None, contact_id: str | None = None):
        self.app = app
        self.preset = resident_id
        self.contact_id = contact_id  # set: a saved contact, opened to read and correct
        self.title = t("contact.edit_title") if contact_id else t("contact.title")
        self.form = ContactFormModel(app.store, contact_id)

    # ------------------------------------------------------------------ build

    def build(self) -> ft.Control:
        self.chosen = ft.Row(wrap=True, spacing=8)
        self.picker = ResidentPicker(self.app, self._pick)
        self.who_error = error_text()
        # No capitalization: Flet's formatter would rewrite "Henk de Groot" as "Henk De Groot".
        self.new_name = self._text("name", t("contact.new_resident_name"), of=self._new)
        self.new_street = self._text("street", t("contact.new_resident_street"), of=self._new)
        self.new_block = ft.Column([self.new_name, self.new_street], visible=False)
        self.new_button = secondary_button(t("contact.add_new_resident"), self._toggle_new,
                                           icon=ft.Icons.PERSON_ADD)
        self.anonymous = ft.Switch(label=t("contact.anonymous"), on_change=self._toggle_group)
        self.group_size = self._text("group_size", t("contact.group_size"),
                                     keyboard_type=ft.KeyboardType.NUMBER, width=160)
        self.group_label = self._text("group_label", t("contact.group_label"),
                                      hint_text=t("contact.group_label_hint"), expand=True)
        self.group_block = ft.Row([self.group_size, self.group_label], visible=False,
                                  vertical_alignment=ft.CrossAxisAlignment.START)
        self.street = self._text("street", t("contact.street"))
        self.recent = Choice("street", [], on_change=self._recent_street, label=str)
        self.location = self._text("location", t("contact.location"),
                                   hint_text=t("contact.location_hint"))
        self.locate = secondary_button(t("contact.locate"), self._locate,
                                       icon=ft.Icons.MY_LOCATION)
        self.channel = Choice("channel", codes.CHANNELS, ["street"], on_change=self._channel)
        self.themes = Choice("theme", codes.THEMES, multi=True, on_change=self._themes)
        editing = self.contact_id is not None
        # A saved note is shown whole (the field grows with it and the screen scrolls).
        self.note = self._text("note", t("contact.note"), multiline=True,
                               min_lines=3, max_lines=None if editing else 8)
        self.follow_up = ft.Switch(label=t("contact.follow_up"), on_change=self._toggle_follow)
        self.follow_what = self._text("follow_up_what", t("contact.follow_up_what"))
        self.follow_due = date_field(self.app, t("contact.follow_up_due"),
                                     on_change=self._follow_due)
        self.follow_owner = Choice("owner", ("worker", "resident"), ["worker"],
                                   on_change=self._follow_owner)
        self.owner_error = error_text()
        self.follow_block = ft.Column(
            [self.follow_what, self.follow_due, ft.Text(t("contact.follow_up_owner")),
             self.follow_owner, self.owner_error], visible=False)
        self.save_button = primary_button(
            t("contact.save_correction") if editing else t("action.save"), self._save,
            icon=ft.Icons.CHECK, expand=True)
        self.recorded = muted("", 14)  # when and by whom a saved contact was recorded
        # A correction keeps its follow-up (an agreement of its own) and makes no new residents.
        self.new_button.visible = self.follow_up.visible = not editing
        clear = ft.TextButton(content=t("contact.clear"), on_click=self._clear, height=TOUCH,
                              visible=not editing)
        for name, target in self._error_targets().items():
            # flet's Key is a dataclass made by its own decorator, which mypy does not follow
            target.key = ft.ScrollKey(f"contact.{name}")  # type: ignore[call-arg]
        self.body = screen_column([
            self.recorded,
            heading(t("contact.who")), self.chosen, self.picker, self.who_error,
            ft.Row([self.new_button], wrap=True), self.new_block,
            self.anonymous, self.group_block,
            heading(t("contact.where")), self.street, self.recent, self.location,
            ft.Row([self.locate], wrap=True),
            heading(t("contact.channel")), self.channel,
            heading(t("contact.themes")), self.themes,
            self.note,
            self.follow_up, self.follow_block,
            ft.Row([self.save_button, clear]),
            ft.Container(height=24),
        ], spacing=12)
        return self.body

    # ------------------------------------------------------------------ draft in, draft out

    @guarded
    async def load(self) -> None:
        store, ctx = self.app.store, self.app.ctx
        draft = await self.app.bg(self.form.load_draft)
        recent = await self.app.bg(reads.recent_streets, store, ctx.worker_id)
        if self.contact_id:
            saved = await self.app.bg(service.saved_contact, store, self.contact_id)
            if saved is None:
                self.recorded.value = t("contact.gone")
                self.save_button.disabled = True
                self.app.page.update()
                return
            local = saved.at.astimezone() if saved.at.tzinfo else saved.at
            self.recorded.value = t("contact.recorded", day=f"{local:%d-%m-%Y %H:%M}",
                                    by=saved.by or "—")
            if draft.is_empty():  # no unsaved correction: the contact as it was saved
                draft = saved.draft
        if self.preset and self.preset not in {rid for rid, _ in draft.residents}:
            resident = await self.app.bg(reads.resident, store, self.preset)
            if resident is not None:
                draft.residents.append((resident.id, resident.name))
        self.recent.set_options(recent)
        self.fill(draft)
        self.form.loaded = True
        self.app.page.update()

    def fill(self, draft: ContactDraft) -> None:
        """Take a draft as the form's state and show it (after a crash, or after undo)."""
        self.form.fill(draft)
        self.show()

    def show(self) -> None:
        """Put the model into the controls."""
        form, d = self.form, self.form.values
        self._render_chosen()
        self.new_block.visible = form.adding_resident
        self.new_name.value = form.new_resident.name
        self.new_street.value = form.new_resident.street
        self.anonymous.value = self.group_block.visible = d.anonymous
        self.group_size.value, self.group_label.value = d.group_size, d.group_label
        self.street.value, self.location.value = d.street, d.location
        self.recent.set_value([d.street])
        self.channel.set_value([d.channel])
        self.themes.set_value(d.themes)
        self.note.value = d.note
        self.follow_up.value = self.follow_block.visible = d.follow_up
        self.follow_what.value, self.follow_due.value = d.follow_up_what, d.follow_up_due
        self.follow_owner.set_value([d.follow_up_owner])

    def _text(self, name: str, label: str, of: Callable[[], object] | None = None,
              **kw: Any) -> ft.TextField:
        """A text field that writes what is typed into the model: into the field ``name`` of
        the form's values, or of what ``of`` returns (looked up at each change: a restored
        draft replaces the model's parts)."""

        async def changed(e: Any) -> None:
            setattr(of() if of else self.form.values, name, e.control.value or "")
            await self._edited()

        return field(label, on_change=changed, **kw)

    def _new(self) -> NewResident:
        return self.form.new_resident

    async def _edited(self, _e: Any = None) -> None:
        """Any change: write the draft once typing pauses (and the idle lock waits)."""
        if not self.form.loaded:
            return
        self.app.touch()  # a phone's on-screen keyboard sends no key events to the page
        mine = self.form.edited()
        await asyncio.sleep(DRAFT_DELAY)
        if self.form.still_latest(mine):
            await self.app.bg(self.form.keep_draft, self.form.draft())

    async def leave(self) -> None:
        """Leaving the screen: keep what was typed, without waiting for the pause."""
        if self.form.loaded:
            self.form.edited()
            await self.app.bg(self.form.keep_draft, self.form.draft())

    async def _locate(self, _e: Any) -> None:
        """Fill the location from the device; on refusal say why and keep what was typed."""
        from app.ui.locate import device_location

        self.locate.disabled = True
        refresh(self.locate)
        try:
            value, problem = await device_location()
        finally:
            self.locate.disabled = False
        if value is not None:
            self.location.value = self.form.values.location = value
        show_error(self.location, problem)
        refresh(self.location, self.locate)
        await self._edited()

    # ------------------------------------------------------------------ who

    async def _pick(self, rid: str, name: str) -> None:
        self.form.pick(rid, name)
        self._render_chosen()
        set_error_text(self.who_error, None)
        refresh(self.chosen)
        refresh(self.who_error)
        await self._edited()

    def _render_chosen(self) -> None:
        def chip(rid: str, name: str) -> ft.Chip:
            async def remove(_e: Any) -> None:
                self.form.unpick(rid)
                self._render_chosen()
                refresh(self.chosen)
                await self._edited()

            return ft.Chip(label=name, leading=ft.Icon(ft.Icons.PERSON), on_delete=remove,
                           delete_icon_tooltip=t("contact.remove_resident", name=name))

        self.chosen.controls = [chip(rid, name) for rid, name in self.form.values.residents]

    async def _toggle_new(self, _e: Any) -> None:
        self.form.adding_resident = self.new_block.visible = not self.form.adding_resident
        refresh(self.new_block)
        await self._edited()

    async def _toggle_group(self, e: Any) -> None:
        self.form.values.anonymous = self.group_block.visible = bool(e.control.value)
        refresh(self.group_block)
        await self._edited()

    async def _toggle_follow(self, e: Any) -> None:
        self.form.values.follow_up = self.follow_block.visible = bool(e.control.value)
        refresh(self.follow_block)
        await self._edited()

    async def _channel(self) -> None:
        self.form.values.channel = self.channel.first("street")
        await self._edited()

    async def _themes(self) -> None:
        self.form.values.themes = self.themes.value
        await self._edited()

    async def _follow_owner(self) -> None:
        self.form.values.follow_up_owner = self.follow_owner.first("worker")
        await self._edited()

    async def _follow_due(self, _e: Any) -> None:
        self.form.values.follow_up_due = self.follow_due.value or ""
        await self._edited()

    async def _recent_street(self) -> None:
        chosen = self.recent.value
        if chosen:
            self.street.value = self.form.values.street = chosen[0]
            show_error(self.street, None)
            refresh(self.street)
        await self._edited()

    # ------------------------------------------------------------------ save, undo, clear

    def _error_targets(self) -> dict[str, ft.Control]:
        """Each error's field (or the group it sits under), in the order of the form."""
        return {"who": self.picker, "new_resident.0": self.new_name,
                "group_size": self.group_size, "street": self.street,
                "location": self.location, "note": self.note,
                "follow_up_what": self.follow_what, "follow_up_due": self.follow_due,
                "follow_up_owner": self.follow_owner}

    def _scroll_to_first_error(self, errors: dict[str, str]) -> None:
        """Bring the first error into view (at the top, as far as the form scrolls)."""
        first = next((name for name in self._error_targets() if name in errors), None)
        if first is not None:
            self.app.page.run_task(self.body.scroll_to, scroll_key=f"contact.{first}",
                                   duration=300)

    def _show_errors(self, errors: dict[str, str]) -> None:
        set_error_text(self.who_error, errors.get("who"))
        show_error(self.new_name, errors.get("new_resident.0"))
        show_error(self.group_size, errors.get("group_size"))
        show_error(self.street, errors.get("street"))
        show_error(self.location, errors.get("location"))
        show_error(self.note, errors.get("note"))
        show_error(self.follow_what, errors.get("follow_up_what"))
        show_error(self.follow_due, errors.get("follow_up_due"))
        set_error_text(self.owner_error, errors.get("follow_up_owner"))

    @guarded
    async def _save(self, _e: Any) -> None:
        draft = self.form.draft()
        errors = self.form.errors()
        self._show_errors(errors)
        if errors:
            self.app.page.update()
            self._scroll_to_first_error(errors)
            # Said, not shown: a message bar would cover the errors low in the form.
            self.app.announce(t("form.check_fields"))
            await self.app.bg(self.form.keep_draft, draft)
            return
        if self.contact_id:
            await self._save_correction(draft)
            return
        self.save_button.disabled = True
        refresh(self.save_button)
        self.form.edited()  # a pending draft write must not resurrect the saved form
        recorded = await self.app.bg(self.form.record, self.app.ctx, draft)
        self.form.loaded = False

        @guard(self.app)
        async def undo(_e: Any) -> None:
            await self.app.bg(service.undo_contact, self.app.store, recorded, draft)
            await self.app.saved()
            self.app.toast(t("contact.undone"))
            self.app.go("contact")

        message = t("contact.saved_follow_up") if recorded.agreement_id else t("contact.saved")
        self.app.toast(message, action=t("action.undo"), on_action=undo, seconds=6)
        await self.app.saved()
        self.app.back()

    async def _save_correction(self, draft: ContactDraft) -> None:
        self.save_button.disabled = True
        refresh(self.save_button)
        self.form.edited()
        changed = await self.app.bg(self.form.correct, draft)
        self.form.loaded = False
        self.app.toast(t("contact.corrected") if changed else t("contact.unchanged"))
        await self.app.saved()
        self.app.back()

    @guarded
    async def _clear(self, _e: Any) -> None:
        previous = self.form.draft()
        self.form.edited()
        await self.app.bg(self.form.clear_draft)
        self.fill(ContactDraft())
        self._show_errors({})
        self.app.page.update()

        @guard(self.app)
        async def restore(_e: Any) -> None:
            self.fill(previous)
            self.app.page.update()
            await self.app.bg(self.form.keep_draft, previous)

        self.app.toast(t("contact.cleared"), action=t("action.undo"), on_action=restore)
