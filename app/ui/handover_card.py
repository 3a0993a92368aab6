"""The summary card of one handed-over household, shown to the team lead after a handover and to
the new primary worker on their own device."""

from __future__ import annotations

import flet as ft

from app.i18n import t, vocab
from app.services.handover import Summary
from app.ui.widgets import heading, muted


def _list(items: list[str]) -> str:
    return ", ".join(items) if items else t("handover.none")


def summary_parts(s: Summary) -> list[ft.Control]:
    """Ambitions, talents, obstacles and network per member; open agreements, last contacts and
    what worked for the household."""
    parts: list[ft.Control] = [heading(f"{s.name} - {s.street} {s.house_number or ''}".strip(), 16)]
    for m in s.members:
        network = [f"{p.name} ({vocab('tie', p.kind)}, {vocab('strength', p.strength)}"
                   + (f", {t('handover.key_figure')})" if p.key_figure else ")")
                   for p in m.network]
        parts += [ft.Text(m.name, weight=ft.FontWeight.W_600),
                  ft.Text(f"{t('resident.ambitions')}: {_list(m.ambitions)}"),
                  ft.Text(f"{t('resident.talents')}: {_list(m.talents)}"),
                  ft.Text(f"{t('resident.obstacles')}: {_list(m.obstacles)}"),
                  ft.Text(f"{t('handover.network')}: {_list(network)}")]
    agreements = [a.what + (f" ({a.due:%d-%m-%Y})" if a.due else "") for a in s.open_agreements]
    contacts = [f"{c.at:%d-%m-%Y} {vocab('channel', c.channel)}: {c.note}"
                for c in s.last_contacts]
    worked = [f"{a.request} ({vocab('outcome', a.outcome)})" for a in s.worked]
    return [*parts,
            ft.Text(f"{t('handover.open_agreements')}: {_list(agreements)}"),
            ft.Text(f"{t('handover.last_contacts')}:"),
            *(muted(c) for c in contacts or [t("handover.none")]),
            ft.Text(f"{t('handover.worked')}: {_list(worked)}")]


def card(parts: list[ft.Control]) -> ft.Card:
    return ft.Card(ft.Container(ft.Column(parts, spacing=4, tight=True), padding=12))
