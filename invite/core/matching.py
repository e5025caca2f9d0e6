"""Whose answer is it? Collect every piece of evidence, then decide — never guess.

Pure: the caller passes a ``Directory`` (codes, sent Message-IDs and addresses of the
campaign's invitees). A message is tied to an invitee only when all evidence that names
anybody names the same person; two different people, a form code that does not exist, or
nobody at all sends it to review with a German reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from invite.core.addresses import address_key
from invite.core.codes import find_code_candidates, format_code
from invite.core.reports import Bounce
from invite.mail.mailparse import IncomingMail
from invite.paper.evidence import Finding

# Strongest first: the source recorded for a match is the strongest evidence that made it.
SOURCES = ("formular", "qr", "code", "antwort", "absender")
SOURCE_LABELS = {
    "formular": "Formular",
    "qr": "QR-Code",
    "code": "Anmeldecode",
    "antwort": "Antwort auf unsere Nachricht",
    "absender": "Absenderadresse",
}
# Evidence a stranger cannot produce cheaply: a form or code we sent only to the invitee, or a
# Message-ID of our message to them. The sender address alone is easy to forge.
STRONG_SOURCES = frozenset(("formular", "qr", "code", "antwort", "manuell", "tabelle"))


@dataclass(frozen=True)
class Directory:
    """What identifies an invitee: code, Message-IDs the tool sent them, e-mail address."""

    by_code: Mapping[str, str] = field(default_factory=dict)  # code -> Nr.
    by_message_id: Mapping[str, str] = field(default_factory=dict)  # id without <> -> Nr.
    by_email: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # address_key -> Nr.s
    names: Mapping[str, str] = field(default_factory=dict)  # Nr. -> display name
    own_addresses: frozenset[str] = frozenset()  # address_key of the campaign's From/Reply-To
    sent_to: Mapping[str, str] = field(default_factory=dict)  # Message-ID -> recipient address
    # How the current Zusage/Absage of an invitee was tied to them (a SOURCES name, manuell …);
    # poll keeps it current during a round.
    answer_sources: Mapping[str, str] = field(default_factory=dict)
    trusted_authserv_id: str = ""  # [imap] trusted_authserv_id; empty: ignore the headers

    def at_address(self, address: str) -> tuple[str, ...]:
        """The invitees listed with ``address`` (either spelling of an umlaut domain)."""
        return tuple(self.by_email.get(address_key(address), ()))

    def is_own(self, address: str) -> bool:
        return address_key(address) in self.own_addresses

    def code_of(self, number: str | None) -> str:
        for code, nr in self.by_code.items():
            if nr == number:
                return code
        return ""

    def label(self, number: str) -> str:
        name = self.names.get(number, "")
        return f"Nr. {number} ({name})" if name else f"Nr. {number}"


@dataclass(frozen=True)
class Evidence:
    """One hint: ``invitees`` it points to (empty: names nobody; several: ambiguous)."""

    source: str
    value: str
    detail: str
    invitees: tuple[str, ...] = ()

    def describe(self, directory: Directory) -> str:
        who = (
            " oder ".join(directory.label(n) for n in self.invitees)
            if self.invitees
            else "niemanden"
        )
        return f"{self.detail} → {who}"


@dataclass(frozen=True)
class Decision:
    invitee: str | None
    source: str | None  # the strongest evidence for the match
    evidence: tuple[Evidence, ...]
    reason: str = ""  # German; set whenever invitee is None

    def summary(self, directory: Directory) -> str:
        """One line for the audit and the review list: which evidence said what."""
        return "; ".join(e.describe(directory) for e in self.evidence)[:2000]


def gather(
    mail: IncomingMail,
    findings: Iterable[Finding],
    directory: Directory,
    *,
    bounced: Sequence[str] = (),
) -> list[Evidence]:
    """Every piece of evidence in ``mail``, its attachments and (for bounces) the failed
    recipients, resolved against ``directory``."""
    evidence: list[Evidence] = []
    for finding in findings:
        number = directory.by_code.get(finding.code)
        shown = format_code(finding.code) if len(finding.code) == 8 else finding.code
        evidence.append(
            Evidence(finding.source, finding.code, f"{finding.detail}: {shown}", _one(number))
        )
    seen_codes: set[str] = set()  # each code once from the text, even if a form also has it
    for where, text in (
        ("Betreff", mail.subject),
        ("Text", mail.text),
        ("weitergeleiteter Text", mail.forwarded_text),
    ):
        for code in find_code_candidates(text):
            # Any 8-letter word could look like a code; only codes that exist are evidence.
            if code in directory.by_code and code not in seen_codes:
                seen_codes.add(code)
                detail = f"Anmeldecode {format_code(code)} im {where}"
                evidence.append(Evidence("code", code, detail, (directory.by_code[code],)))
    for mid in (*mail.thread_ids, *mail.forwarded_ids):
        number = directory.by_message_id.get(mid)
        if number and not any(e.source == "antwort" and e.invitees == (number,) for e in evidence):
            detail = (
                "Bezug auf unsere Nachricht"
                if mid in mail.thread_ids
                else "Unsere Nachricht im Anhang des Rückläufers"
            )
            evidence.append(Evidence("antwort", mid, detail, (number,)))
    if bounced:
        for address in bounced:
            numbers = directory.at_address(address)
            detail = f"Unzustellbar an {address}"
            evidence.append(Evidence("absender", address, detail, numbers))
    elif mail.sender and not directory.is_own(mail.sender):
        numbers = directory.at_address(mail.sender)
        if numbers:
            evidence.append(
                Evidence("absender", mail.sender, f"Absender {mail.sender}", tuple(numbers))
            )
    return evidence


def _one(number: str | None) -> tuple[str, ...]:
    return (number,) if number else ()


def decide(evidence: Sequence[Evidence], directory: Directory) -> Decision:
    """One invitee if all evidence that names anybody agrees; else review with the reason."""
    evidence = tuple(sorted(evidence, key=lambda e: SOURCES.index(e.source)))
    named = {e.invitees[0] for e in evidence if len(e.invitees) == 1}
    dead = [e for e in evidence if not e.invitees and e.source in ("formular", "qr")]
    shared = [e for e in evidence if len(e.invitees) > 1]
    if len(named) > 1:
        parts = "; ".join(e.describe(directory) for e in evidence if e.invitees)
        return Decision(
            None, None, evidence, f"Die Hinweise nennen verschiedene Personen: {parts}."
        )
    if dead:
        parts = "; ".join(e.describe(directory) for e in dead)
        return Decision(
            None,
            None,
            evidence,
            f"Das Formular nennt einen Anmeldecode, den es nicht gibt: {parts}.",
        )
    if len(named) == 1:
        number = next(iter(named))
        others = [e for e in shared if number not in e.invitees]
        if others:
            parts = "; ".join(e.describe(directory) for e in (*others, *evidence[:1]))
            return Decision(
                None, None, evidence, f"Die Hinweise nennen verschiedene Personen: {parts}."
            )
        source = next(e.source for e in evidence if number in e.invitees)
        return Decision(number, source, evidence)
    if shared:
        who = ", ".join(directory.label(n) for n in shared[0].invitees)
        return Decision(
            None,
            None,
            evidence,
            f"Die Adresse {shared[0].value} gehört zu mehreren Eingeladenen ({who}); "
            "die Nachricht nennt keinen Anmeldecode.",
        )
    return Decision(
        None,
        None,
        evidence,
        "Kein Hinweis, zu wem die Nachricht gehört (kein gültiger Anmeldecode, keine Antwort auf "
        "unsere Einladung, Absender nicht in der Liste).",
    )


# -- delivery reports ---------------------------------------------------------------------------


def tie_report(bounce: Bounce, directory: Directory) -> Decision:
    """Whose mail bounced: only a report that returns the Message-ID of a message we sent to
    an invitee *and* names that message's recipient as failed ties to that invitee. Anybody
    can write a report naming an address; only the real mail system has our Message-ID."""
    failed = {address_key(a) for a in bounce.recipients}
    evidence: list[Evidence] = []
    tied: dict[str, Evidence] = {}
    for mid in bounce.returned_ids:
        number = directory.by_message_id.get(mid)
        if number is None:
            continue
        recipient = address_key(directory.sent_to.get(mid, ""))
        addresses = (
            {recipient}
            if recipient
            else {a for a, numbers in directory.by_email.items() if number in numbers}
        )
        hit = sorted(addresses & failed)
        if hit:
            item = Evidence(
                "antwort", mid, f"Unsere Nachricht an {hit[0]} kam unzustellbar zurück", (number,)
            )
            tied.setdefault(number, item)
        else:
            item = Evidence(
                "antwort",
                mid,
                "Unsere Nachricht im Rückläufer, aber ihre Adresse ist nicht "
                "als gescheitert genannt",
                (number,),
            )
        evidence.append(item)
    for address in sorted(bounce.recipients):
        numbers = directory.at_address(address)
        evidence.append(Evidence("absender", address, f"Unzustellbar an {address}", numbers))
    if len(tied) == 1:
        number, item = next(iter(tied.items()))
        return Decision(number, "antwort", (item, *[e for e in evidence if e is not item]))
    if len(tied) > 1:
        return Decision(
            None,
            None,
            tuple(evidence),
            "Der Rückläufer betrifft mehrere Eingeladene; bitte einzeln prüfen.",
        )
    named = sorted({n for e in evidence for n in e.invitees})
    if not bounce.returned_ids or not any(
        directory.by_message_id.get(m) for m in bounce.returned_ids
    ):
        reason = (
            "Die Meldung enthält keine unserer Nachrichten (keine bekannte Message-ID) und ist "
            "daher kein Nachweis; es wurde nichts eingetragen."
        )
    else:
        reason = (
            "Die Meldung enthält unsere Nachricht, nennt aber deren Empfänger nicht als "
            "unzustellbar; es wurde nichts eingetragen."
        )
    if named:
        reason += " Genannt: " + ", ".join(directory.label(n) for n in named) + "."
    return Decision(None, None, tuple(evidence), reason)


# -- how trustworthy is the sender address? ------------------------------------------------------

_RESULT = re.compile(r"(?i)\b(spf|dkim|dmarc)\s*=\s*([a-z]+)([^;]*)")
_PROPERTY = re.compile(r"(?i)\b(smtp\.mailfrom|header\.from|header\.d|header\.i)\s*=\s*([^\s;]+)")


def sender_check(mail: IncomingMail, authserv_id: str) -> str:
    """German reason why the ``From:`` domain is not confirmed by our own receiving server's
    ``Authentication-Results`` (RFC 8601), or ``""`` (confirmed, or the check is off).

    Only the topmost header whose authserv-id is ``authserv_id`` counts (the receiving server
    writes it on top and removes forged copies with its name). Confirmed means: DMARC pass,
    or (without a DMARC result) SPF or DKIM pass for a domain aligned with the From domain."""
    if not authserv_id or not mail.sender or "@" not in mail.sender:
        return ""
    wanted = authserv_id.strip().lower()
    header = next((h for h in mail.auth_results if _authserv(h) == wanted), None)
    domain = address_key(mail.sender).rsplit("@", 1)[1]  # punycode and Unicode alike
    if header is None:
        return (
            f"Der eigene Mailserver ({authserv_id}) hat die Absenderadresse nicht geprüft "
            "(keine Authentication-Results-Zeile)."
        )
    results: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for method, result, rest in _RESULT.findall(header.split(";", 1)[-1]):
        props = {k.lower(): v.strip().strip('"').lower() for k, v in _PROPERTY.findall(rest)}
        results.setdefault(method.lower(), []).append((result.lower(), props))
    dmarc = [r for r, _p in results.get("dmarc", [])]
    if "pass" in dmarc:
        return ""
    if not dmarc:
        for method, key in (("spf", "smtp.mailfrom"), ("dkim", "header.d")):
            for result, props in results.get(method, []):
                value = props.get(key) or props.get("header.i", "")
                if result == "pass" and _aligned(value.rsplit("@", 1)[-1], domain):
                    return ""
    shown = ", ".join(f"{m}={'/'.join(r for r, _p in v)}" for m, v in sorted(results.items()))
    return (
        f"Der eigene Mailserver bestätigt die Absenderdomain {domain} nicht "
        f"(Authentication-Results: {shown or 'kein Ergebnis'})."
    )


def _authserv(header: str) -> str:
    """The authserv-id: the first word before the first ``;`` (a version number may follow)."""
    words = header.split(";", 1)[0].split()
    return words[0].lower() if words else ""


def _aligned(found: str, domain: str) -> bool:
    """Relaxed alignment (RFC 7489): the same domain, or one a subdomain of the other where
    the shorter one has at least two labels (no public suffix list: ``de`` never aligns)."""
    found = address_key(found.strip(".")) if found.strip(".") else ""
    if not found:
        return False
    if found == domain:
        return True
    shorter, longer = sorted((found, domain), key=len)
    return shorter.count(".") >= 1 and longer.endswith("." + shorter)
