"""What did they say? Bounce, auto-reply, or an answer (Zusage/Absage, persons, names).

Pure: takes a parsed message and the form values read from its attachments. The order
matters: bounces first (real bounces also carry ``Auto-Submitted``), then auto-replies, then
the answer. When anything is unclear the reading says so, quoting the sentence, and staff
decide (status ``prüfen``): the tool never guesses a Zusage.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from flufl.bounce import all_failures
from mailparser_reply import EmailMessage as ReplyText

from invite.codes import normalise_code
from invite.evidence import FormFields, ScanReading
from invite.mailparse import IncomingMail

MAX_REPLY_CHARS = 20_000
# flufl.bounce logs a traceback when a detector trips over odd input; we treat that as "no
# bounce" and carry on, so the log would only alarm staff.
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)
MAX_PERSONS = 20


@dataclass(frozen=True)
class Bounce:
    recipients: tuple[str, ...]  # failed addresses (lower case)
    diagnostic: str
    delayed: bool = False  # only a delay warning: the server keeps trying


@dataclass(frozen=True)
class Reading:
    """The answer in a message. ``unsure`` (German, quoting the text) means: staff check it."""

    answer: str = ""  # zusage | absage | "" (none recognised)
    persons: int | None = None
    participants: str = ""
    note: str = ""
    unsure: str = ""
    origins: tuple[str, ...] = ()  # where the answer came from: link, formular, scan, text
    silent: bool = False  # nothing at all about attendance (a thank-you, a question)

    @property
    def sure(self) -> bool:
        return bool(self.answer) and not self.unsure


# -- bounces -----------------------------------------------------------------------------------

_DIAGNOSTIC = re.compile(r"(?im)^diagnostic-code:\s*(?:smtp;\s*)?(.+)$")
_SMTP_REPLY = re.compile(r"(?m)\b([45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b.*)$")
_BOUNCE_PHRASES = re.compile(
    r"(?im)^.*\b(user unknown|unknown user|no such user|does not exist|mailbox (?:unavailable|not found|full)|"
    r"address rejected|recipient address rejected|unzustellbar|nicht zugestellt|unbekannt)\b.*$"
)


_BOUNCE_SENDER = re.compile(
    r"(?i)^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounces?)[@+]|^$"
)
_BOUNCE_SUBJECT = re.compile(
    r"(?i)(undeliver|undelivered|delivery (?:status|failure|has failed|notification)|returned mail|"
    r"mail delivery failed|failure notice|nicht zustellbar|unzustellbar|zustellung fehlgeschlagen|"
    r"rückläufer|could not be delivered|delayed mail|delivery delayed|non[- ]?delivery)"
)
MAX_BOUNCE_BYTES = 5 * 1024 * 1024


def looks_like_bounce(mail: IncomingMail) -> bool:
    """Only reports and messages from mail systems go through the bounce detectors: they are
    heuristics, and their cost grows with the text, so human replies never pay for them."""
    return mail.size <= MAX_BOUNCE_BYTES and (
        "report-type=delivery-status"
        in mail.headers.get("content-type", "").lower().replace(" ", "")
        or bool(mail.delivery_status)
        or "x-failed-recipients" in mail.headers
        or bool(_BOUNCE_SENDER.search(mail.sender))
        or bool(_BOUNCE_SUBJECT.search(mail.subject))
    )


def detect_bounce(mail: IncomingMail) -> Bounce | None:
    """Delivery failure reports (RFC 3464 and the common MTA formats) via flufl.bounce:
    permanent failures become a ``Bounce``, delays a ``Bounce`` with ``delayed`` set."""
    if mail.message is None or not looks_like_bounce(mail):
        return None
    try:
        temporary, permanent = all_failures(mail.message)
    except Exception:  # a detector choking on odd input is no reason to stop the poll
        return None
    if permanent:
        recipients = sorted({_ascii(r).lower() for r in permanent if r})
        return Bounce(tuple(recipients), _diagnostic(mail))
    if temporary:
        recipients = sorted({_ascii(r).lower() for r in temporary if r})
        return Bounce(tuple(recipients), _diagnostic(mail), delayed=True)
    return None


def _ascii(value: bytes | str) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


def _diagnostic(mail: IncomingMail) -> str:
    for pattern, text in (
        (_DIAGNOSTIC, mail.delivery_status),
        (_SMTP_REPLY, mail.text),
        (_BOUNCE_PHRASES, mail.text),
    ):
        if text and (match := pattern.search(text[:50_000])):
            return " ".join(match.group(match.lastindex or 0).split())[:300]
    return "Die Nachricht war nicht zustellbar (Rückläufer)."


# -- auto-replies ------------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"(?i)\b(abwesenheitsnotiz|abwesenheit|automatische antwort|automatische r(?:ü|ue)ckantwort|"
    r"out of (?:the )?office|autoreply|auto-reply|auto reply|automatic reply|autoresponder|"
    r"urlaubsabwesenheit|nicht im b(?:ü|ue)ro|vacation reply|on vacation|im urlaub)\b"
)


def detect_autoreply(mail: IncomingMail) -> str:
    """German reason if ``mail`` is an automatic reply (never an answer), else ``""``."""
    headers = mail.headers
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        return f"Automatische Nachricht (Auto-Submitted: {auto[:40]})."
    for name, shown in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        if name in headers:
            return f"Automatische Antwort (Kopfzeile {shown})."
    if headers.get("precedence", "").strip().lower() in ("auto_reply", "bulk", "junk"):
        return f"Automatische Nachricht (Precedence: {headers['precedence'][:20]})."
    if _AUTO_SUBJECT.search(mail.subject):
        return f"Abwesenheitsnotiz oder automatische Antwort (Betreff „{mail.subject[:80]}“)."
    return ""


# -- the part the person wrote -----------------------------------------------------------------

_WROTE = re.compile(
    r"(?i)^\s*(?:am\s.{0,200}schrieb.{0,200}:|on\s.{0,200}wrote:|.{0,200}\s(?:schrieb|wrote):)\s*$"
)
_FORWARD_MARK = re.compile(
    r"(?im)^\s*(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|urspr(?:ü|ue)ngliche nachricht|"
    r"original message)\s*-{2,}|anfang der weitergeleiteten (?:nachricht|e-mail):|"
    r"begin forwarded message:)\s*$"
)


def reply_text(text: str) -> str:
    """What the person actually wrote: quoted history, forwarded originals, signature cut."""
    lines = [
        line for line in text.replace("\r\n", "\n").split("\n") if not line.lstrip().startswith(">")
    ]
    text = "\n".join(lines)[:MAX_REPLY_CHARS]
    if mark := _FORWARD_MARK.search(text):
        text = text[: mark.start()]
    try:
        parsed = ReplyText(text=text, languages=["de", "en"], keep_hyphen_lists=True).read()
        bodies = [r.body for r in parsed.replies if r.body.strip()]
        text = bodies[0] if bodies else ""
    except Exception:  # the library's regexes are not ours to trust on hostile text
        pass
    return "\n".join(line for line in text.split("\n") if not _WROTE.match(line)).strip()


# -- reading answers from text -----------------------------------------------------------------

_NUM = (
    r"(\d{1,4}|ein|eine|einer|einem|einen|zwei|drei|vier|f(?:ü|ue)nf|sechs|sieben|acht|neun|zehn|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|a|an)"
)
_NUMBER_WORDS = {
    "ein": 1, "eine": 1, "einer": 1, "einem": 1, "einen": 1, "a": 1, "an": 1, "one": 1,
    "zwei": 2, "two": 2, "drei": 3, "three": 3, "vier": 4, "four": 4, "fünf": 5, "fuenf": 5,
    "five": 5, "sechs": 6, "six": 6, "sieben": 7, "seven": 7, "acht": 8, "eight": 8,
    "neun": 9, "nine": 9, "zehn": 10, "ten": 10,
}  # fmt: skip
_ZU_N = {
    "zweit": 2,
    "dritt": 3,
    "viert": 4,
    "fünft": 5,
    "fuenft": 5,
    "sechst": 6,
    "siebt": 7,
    "acht": 8,
}

_TOTAL_NOUNS = r"(?:personen|person|teilnehmende|teilnehmenden|teilnehmer(?:innen|n)?|leute|leuten|people|persons|attendees|participants)"
_COMPANION_NOUNS = (
    r"(?:kolleg(?:e|en|in|innen)|begleitpersonen?|begleitungen?|g(?:ä|ae)sten?|gast|mitarbeiter(?:in|innen|n)?|"
    r"colleagues?|guests?|companions?)"
)
_PERSON_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\banzahl(?: der)? personen\s*:\s*(\d{1,4})"), "total"),
    (re.compile(r"\bpersonen\s*:\s*(\d{1,4})"), "total"),
    (re.compile(r"\bzu (zweit|dritt|viert|f(?:ü|ue)nft|sechst|siebt|acht)\b"), "zu"),
    (re.compile(rf"\bmit (?:insgesamt )?{_NUM} {_COMPANION_NOUNS}\b"), "plus"),
    (re.compile(rf"\bwith {_NUM} (?:more )?{_COMPANION_NOUNS}\b"), "plus"),
    (re.compile(rf"\b{_NUM} {_TOTAL_NOUNS}\b"), "total"),
    (re.compile(rf"\b(?:the )?{_NUM} of us\b"), "total"),
    (
        re.compile(
            r"\b(?:mit|samt) (?:meiner|meinem|einer|einem|unserer|unserem) "
            r"(?:frau|mann|partner(?:in)?|kolleg(?:e|en|in)|begleitung|begleitperson|mitarbeiter(?:in)?|tochter|sohn)\b"
        ),
        "two",
    ),
    (
        re.compile(
            r"\bwith (?:a|my|one|our) (?:colleague|partner|wife|husband|guest|companion|daughter|son)\b"
        ),
        "two",
    ),
    (re.compile(r"\bplus one\b|\+\s?1\b"), "two"),
    (re.compile(r"\b(?:allein|alleine|alone|by myself|nur ich)\b"), "one"),
]
_PARTICIPANTS = re.compile(
    r"(?im)^\s*(?:namen der teilnehmenden|teilnehmende|namen|names?)\s*:\s*(.{1,300})$"
)

_UNCERTAIN = re.compile(
    r"\b(vielleicht|eventuell|evtl|voraussichtlich|wahrscheinlich|m(?:ö|oe)glicherweise|ggf|gegebenenfalls|"
    r"falls|sofern|unter vorbehalt|noch nicht sicher|noch unklar|noch offen|nicht sicher|weiß noch nicht|"
    r"wenn (?:es|alles|nichts)\b|maybe|perhaps|possibly|probably|might|not sure|not yet sure|tentative(?:ly)?|"
    r"if possible|depending)\b"
)
_SENTENCE_NEGATIVE = re.compile(r"\bleider\b.*\bnicht\b|\bnicht\b.*\bleider\b")
_STRONG_NEGATIVE = re.compile(
    r"\b(absage|absagen|sage[n]? .*\bab|muss .*\babsagen|verhindert|keine zeit|nicht m(?:ö|oe)glich|"
    r"(?:klappt|geht|passt|schaffe|schaffen)\b.*\bnicht|decline|declining|unable|regret|regrettably|"
    r"(?:can't|cannot|can not|won't|will not) make it)\b"
    r"|\b(?:kann|können|koennen|can't|cannot|can not)\b(?:\s+\w+){0,2}\s+(?:leider\s+)?nicht\s*$"
    r"|\b(?:can't|cannot|can not)\s*$"
)
_POSITIVE = re.compile(
    r"\b(zusage|zusagen|sage[n]? .*\bzu|nehme[n]? .*\bteil|teilnehmen|teilnahme|komme|kommen|kommt|"
    r"(?:bin|sind|wäre|wären|bleibe) .*\bdabei|dabei sein|melde[n]? (?:mich|uns) .*\ban|anmelden|anmeldung|"
    r"attend|attending|come|coming|join|joining|participate|participating|be there|count me in|"
    r"accept|accepting|register)\b"
)
_NEGATION = re.compile(r"\b(nicht|kein|keine|keinen|nie|niemand|not|cannot|never)\b|n['’]t\b")
_WEAK_NEGATIVE = re.compile(r"\b(leider|unfortunately|sorry|bedauerlicherweise)\b")
_CLAUSE_SPLIT = re.compile(r"[,;:]|\s(?:aber|jedoch|sondern|allerdings|but|however)\s")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|wg|fw|fwd|antw|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_ONE_CLICK = re.compile(
    r"^\s*(zusage|absage)\s+([0-9A-Za-z]{4}-?[0-9A-Za-z]{4})\s*$", re.IGNORECASE
)


@dataclass
class _Signal:
    answer: str  # zusage | absage | unsicher (blocks) | leer (only if nothing else) | frage
    origin: str
    sentence: str
    persons: int | None = None


@dataclass
class _Collected:
    signals: list[_Signal] = field(default_factory=list)
    persons: list[tuple[int, str]] = field(default_factory=list)  # (count, where)
    participants: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plural: str = ""  # a sentence saying "wir" without a number


def one_click(subject: str) -> tuple[str, str] | None:
    """``("zusage"|"absage", CODE)`` for the subject of a one-click answer link."""
    match = _ONE_CLICK.match(subject)
    if not match:
        return None
    code = normalise_code(match.group(2))
    return (match.group(1).lower(), code) if code else None


def read_answer(
    mail: IncomingMail,
    forms: Sequence[FormFields] = (),
    scans: Sequence[ScanReading] = (),
    *,
    code: str = "",
) -> Reading:
    """Combine one-click subject, form fields, scans and the written text into one reading."""
    found = _Collected()
    click = one_click(mail.subject)
    if click and click[1] == code:
        found.signals.append(_Signal(click[0], "link", f"Betreff „{mail.subject.strip()}“"))
    for form in forms:
        _read_form(form, found)
    for scan in scans if not forms else ():
        _read_scan(scan, found)
    subject = mail.subject if not _REPLY_PREFIX.match(mail.subject) and not click else ""
    written = reply_text(mail.text)
    _read_text(((subject + ".\n") if subject else "") + written, found)
    return _combine(found, written)


def _read_form(form: FormFields, found: _Collected) -> None:
    where = f"Formular „{form.filename}“"
    if form.teilnahme in ("ja", "yes", "zusage"):
        found.signals.append(_Signal("zusage", "formular", f"{where}: Teilnahme ja"))
    elif form.teilnahme in ("nein", "no", "absage"):
        found.signals.append(_Signal("absage", "formular", f"{where}: Teilnahme nein"))
    elif form.teilnahme:
        found.signals.append(
            _Signal("unsicher", "formular", f"{where}: Teilnahme „{form.teilnahme}“")
        )
    else:
        found.signals.append(_Signal("leer", "formular", f"{where}: keine Teilnahme angekreuzt"))
    if form.personen:
        count = parse_count(form.personen)
        if count is None:
            found.signals.append(
                _Signal(
                    "unsicher",
                    "formular",
                    f"{where}: Anzahl Personen „{form.personen}“ nicht lesbar",
                )
            )
        else:
            found.persons.append((count, f"{where}: {count} Personen"))
    if form.namen:
        found.participants.append(form.namen)
    if form.bemerkungen:
        found.notes.append(f"Bemerkungen: {form.bemerkungen}")


def _read_scan(scan: ScanReading, found: _Collected) -> None:
    where = f"eingescanntes Formular „{scan.filename}“"
    if scan.teilnahme == "nein":
        found.signals.append(_Signal("absage", "scan", f"{where}: Nein angekreuzt"))
    elif scan.teilnahme == "ja":
        found.signals.append(_Signal("zusage", "scan", f"{where}: Ja angekreuzt"))
        if scan.persons_written:
            found.signals.append(
                _Signal(
                    "unsicher",
                    "scan",
                    f"{where}: Ja angekreuzt, die Anzahl Personen ist von Hand eingetragen – "
                    "bitte im Scan ablesen",
                )
            )
    else:
        found.signals.append(
            _Signal("leer", "scan", f"{where} erhalten – Ankreuzung nicht eindeutig, bitte ansehen")
        )


def parse_count(text: str) -> int | None:
    """``"2"``, ``"2 Personen"``, ``"zwei"`` -> 2; None when it is no clear number."""
    cleaned = text.strip().lower()
    if match := re.fullmatch(
        r"(\d{1,4})(?:\s*(?:personen|person|pers\.?|people|persons))?", cleaned
    ):
        return int(match.group(1))
    return _NUMBER_WORDS.get(cleaned)


def _read_text(text: str, found: _Collected) -> None:
    for match in _PARTICIPANTS.finditer(text):
        names = match.group(1).strip()
        if names and names not in found.participants:
            found.participants.append(names)
    for raw in _SENTENCE_SPLIT.split(text):
        sentence = " ".join(raw.split())
        if not sentence or len(sentence) > 1000:
            continue
        lower = sentence.lower()
        verdict = sentence_answer(lower)
        if verdict:
            found.signals.append(_Signal(verdict, "text", sentence))
        for count in _person_counts(lower):
            found.persons.append((count, f"„{sentence}“"))
        if verdict == "zusage" and re.search(r"\b(wir|we)\b", lower) and not _person_counts(lower):
            found.plural = found.plural or sentence


def sentence_answer(sentence: str) -> str:
    """``zusage``, ``absage``, ``unsicher`` (conditional or mixed), ``frage`` or ``""``."""
    sentence = sentence.lower().strip()
    if sentence.endswith("?"):
        return "frage"
    sentence = sentence.rstrip(".!… ")
    verdicts: set[str] = set()
    if _SENTENCE_NEGATIVE.search(sentence):
        verdicts.add("absage")
    for clause in _CLAUSE_SPLIT.split(sentence):
        if _STRONG_NEGATIVE.search(clause):
            verdicts.add("absage")
            continue
        if not _POSITIVE.search(clause):
            continue
        if _NEGATION.search(clause):
            verdicts.add("absage")
        elif _WEAK_NEGATIVE.search(clause):
            verdicts.add("unsicher")
        else:
            verdicts.add("zusage")
    if verdicts and _UNCERTAIN.search(sentence):
        return "unsicher"
    if len(verdicts) == 1:
        return verdicts.pop()
    return "unsicher" if verdicts else ""


def _person_counts(sentence: str) -> list[int]:
    counts: list[int] = []
    for pattern, how in _PERSON_PATTERNS:
        for match in pattern.finditer(sentence):
            if how == "two":
                counts.append(2)
            elif how == "one":
                counts.append(1)
            elif how == "zu":
                counts.append(_ZU_N[match.group(1)])
            else:
                word = match.group(1)
                number = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
                if number is not None:
                    counts.append(number + 1 if how == "plus" else number)
        if counts:
            break  # the first, most specific pattern wins ("mit 2 Kollegen" is not also "2 …")
    return counts


def _combine(found: _Collected, written: str) -> Reading:
    said = [s for s in found.signals if s.answer in ("zusage", "absage")]
    answers = {s.answer for s in said}
    unsure = [s for s in found.signals if s.answer == "unsicher"]
    empty = [s for s in found.signals if s.answer == "leer"]
    questions = [s.sentence for s in found.signals if s.answer == "frage"]
    notes = list(found.notes) + [f"Frage: {q}" for q in questions]
    answer, reason = "", ""
    if len(answers) > 1:
        shown = "; ".join(
            f"{_origin_de(s.origin)}: {s.answer.capitalize()} ({s.sentence})" for s in said
        )
        reason = f"Widersprüchliche Angaben – {shown}."
    elif unsure:
        reason = f"Unklar: {unsure[0].sentence}"
    elif answers:
        answer = answers.pop()
    elif empty:
        reason = f"Keine Zu- oder Absage erkannt: {empty[0].sentence}."
    elif questions:
        reason = f"Rückfrage statt Antwort: {questions[0]}"
    else:
        first = next((s for s in _SENTENCE_SPLIT.split(written) if s.strip()), "")
        reason = (
            f"Keine Zu- oder Absage erkannt: „{' '.join(first.split())[:200]}“"
            if first
            else "Die Nachricht enthält keinen Text und kein ausgefülltes Formular."
        )
    persons = None
    if answer == "zusage":
        counts = sorted({count for count, _where in found.persons})
        if len(counts) > 1:
            reason = (
                "Unterschiedliche Personenzahlen: " + "; ".join(w for _c, w in found.persons) + "."
            )
        elif counts and not 1 <= counts[0] <= MAX_PERSONS:
            reason = f"Ungewöhnliche Personenzahl: {found.persons[0][1]}."
        elif counts:
            persons = counts[0]
        elif found.plural:
            reason = f"Anzahl Personen unklar: „{found.plural}“"
    return Reading(
        answer=answer,
        persons=persons,
        participants="; ".join(found.participants)[:500],
        note=" ".join(notes)[:1000],
        unsure=reason[:500],
        origins=tuple(dict.fromkeys(s.origin for s in said if s.answer == answer)),
        silent=not said and not unsure and not empty,
    )


def _origin_de(origin: str) -> str:
    return {"link": "Antwort-Link", "formular": "Formular", "scan": "Scan", "text": "Text"}.get(
        origin, origin
    )
