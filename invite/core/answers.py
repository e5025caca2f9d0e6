"""What did they say? An answer (Zusage/Absage, persons, names) — read from people only.

Pure: takes a parsed message and the form values read from its attachments. Server messages
(bounces, delay notices, auto-replies) are recognised before, in ``invite.core.reports``; their
text never reaches this module. When anything is unclear the reading says so, quoting the
sentence, and staff decide (status ``prüfen``): the tool never guesses a Zusage.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import quotequail
from mailparser_reply import EmailMessage as ReplyText
from text_to_num import alpha2digit

from invite.core import phrases
from invite.core.codes import normalise_code
from invite.mail.mailparse import IncomingMail
from invite.paper.evidence import FormFields, ScanReading

MAX_REPLY_CHARS = 20_000
# Above this, a count read from a mail is implausible: staff decide (`invite prüfen`). Not the
# limit of what staff may enter (``core.rsvp.MAX_PERSONS``).
MAX_READ_PERSONS = 20


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


# -- the part the person wrote -----------------------------------------------------------------

_WROTE = re.compile(
    r"(?i)^\s*(?:am\s.{0,200}schrieb.{0,200}:|on\s.{0,200}wrote:|.{0,200}\s(?:schrieb|wrote|a écrit|napisał\w*|yazdı):)\s*$"
)
_FORWARD_MARK = re.compile(
    r"(?im)^\s*(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|urspr(?:ü|ue)ngliche nachricht|"
    r"original message)\s*-{2,}|anfang der weitergeleiteten (?:nachricht|e-mail):|"
    r"begin forwarded message:|_{10,})\s*$"
)
# Outlook quotes the original under a header block without any marker line:
# "Von: … / Gesendet: …" (German), "From: … / Sent: …" (English), Apple/Thunderbird "Datum:".
_HEADER_BLOCK = re.compile(
    r"(?im)^[ \t*]*(?:von|from|de|absender)[ \t*]*:[^\n]*\n(?:[^\n]*\n){0,3}?[ \t*]*"
    r"(?:gesendet|sent|datum|date|an|to|betreff|subject)[ \t*]*:"
)


def reply_text(text: str) -> str:
    """What the person actually wrote: quoted history, forwarded originals, signature cut.

    Three opinions on where the quote starts — mail-parser-reply, quotequail and the header
    blocks of Outlook — and the earliest wins: text we sent must never be read as an answer."""
    text = text.replace("\r\n", "\n")[:MAX_REPLY_CHARS]
    lines = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    text = "\n".join(lines)
    cuts = [len(text)]
    for pattern in (_FORWARD_MARK, _HEADER_BLOCK):
        if mark := pattern.search(text):
            cuts.append(mark.start())
    try:
        quoted = quotequail.quote(text)
        head = quoted[0][1] if len(quoted) > 1 and quoted[0][0] else ""
        if any(line.strip() and not _WROTE.match(line) for line in head.split("\n")):
            cuts.append(len(head))  # a bottom post („Am … schrieb:“, then the answer) is kept
    except Exception:  # a second opinion only; its failure leaves the first
        pass
    text = text[: min(cuts)]
    try:
        parsed = ReplyText(text=text, languages=["de", "en"], keep_hyphen_lists=True).read()
        bodies = [r.body for r in parsed.replies if r.body.strip()]
        text = bodies[0] if bodies else ""
    except Exception:  # the library's regexes are not ours to trust on hostile text
        pass
    return "\n".join(line for line in text.split("\n") if not _WROTE.match(line)).strip()


# -- sentences ---------------------------------------------------------------------------------
# SoMaJo was chosen by measurement (benchmarks/bench_splitters.py, 40 labelled reply texts):
# SoMaJo 35/40 exactly right, ≈ 950 texts/s; syntok 33/40, ≈ 12,000 texts/s (splits German
# ordinals and dates: „am 31.“ | „Januar verhindert“); pysbd 29/40, ≈ 4,000 texts/s (splits
# „Do.,“, „Dipl.-Ing.“, „24.1.“). SoMaJo's misses merge two sentences, which only makes a
# reading more cautious; the others cut sentences in half, which loses answers.

_WORD = re.compile(r"[^\W\d_]+(?:['’][a-z]+)?", re.UNICODE)
_ENGLISH_HINTS = frozenset(
    [
        "the",
        "and",
        "i",
        "we",
        "you",
        "will",
        "would",
        "be",
        "to",
        "of",
        "attend",
        "come",
        "join",
        "thank",
        "thanks",
        "unfortunately",
        "sorry",
        "dear",
        "regards",
        "can",
        "can't",
        "cannot",
        "not",
        "yes",
    ]
)
_GERMAN_HINTS = frozenset(
    [
        "ich",
        "wir",
        "und",
        "nicht",
        "die",
        "der",
        "das",
        "gerne",
        "gern",
        "leider",
        "komme",
        "kommen",
        "teil",
        "sehr",
        "dank",
        "danke",
        "viele",
        "grüße",
        "sind",
        "bin",
        "mit",
        "zu",
    ]
)


@functools.cache
def _splitter(language: str) -> Any:
    from somajo import SoMaJo  # loads its abbreviation lists (≈ 0.3 s), once per process

    return SoMaJo("en_PTB" if language == "en" else "de_CMC", split_camel_case=False)


def language_of(text: str) -> str:
    """``de`` or ``en``, by the common words in ``text`` (German when in doubt)."""
    words = [w.lower() for w in _WORD.findall(text[:5000])]
    english = sum(w in _ENGLISH_HINTS for w in words)
    german = sum(w in _GERMAN_HINTS for w in words)
    return "en" if english > german else "de"


def _units(text: str) -> list[str]:
    """Paragraphs for the splitter: a blank line ends one; a short line (greeting,
    signature, „Bin dabei!“) stands alone; long hard-wrapped lines are joined again."""
    units: list[str] = []
    current = ""
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            if current:
                units.append(current)
            current = ""
            continue
        current = f"{current} {line}" if current else line
        if len(line) < 50 or line[-1] in ".!?:;":
            units.append(current)
            current = ""
    if current:
        units.append(current)
    return units


def sentences(text: str, language: str = "") -> list[str]:
    """The sentences of ``text`` as written (dates, „z. B.“, „Dr.“ do not end a sentence)."""
    units = [u[:MAX_SENTENCE_CHARS] for u in _units(text)][:MAX_SENTENCES]
    if not units:
        return []
    tool = _splitter(language or language_of(text))
    found = []
    for tokens in tool.tokenize_text(units):
        sentence = "".join(t.text + (" " if t.space_after else "") for t in tokens).strip()
        if sentence:
            found.append(sentence)
    return found


def is_greeting(sentence: str) -> bool:
    """„Sehr geehrte …“, „Hallo …“, „Dear …“."""
    return bool(_GREETING.match(sentence.lower()))


def is_closing(sentence: str) -> bool:
    """„Viele Grüße“, „Mit freundlichen Grüßen“, „Best regards“ – the signature follows."""
    return bool(_CLOSING.match(sentence.lower()))


def is_foreign(sentence: str) -> bool:
    """Written in another language: mostly non-Latin letters (Arabic, Cyrillic, …), or two
    or more frequent Turkish/Polish/… words outnumbering the German and English ones.
    Names and signatures („Karl-Heinz Brösel“) are no foreign sentence."""
    letters = [ch for ch in sentence if ch.isalpha()]
    if len(letters) >= 3 and sum(ord(ch) > 0x24F for ch in letters) > len(letters) / 2:
        return True
    words = [w.lower() for w in _WORD.findall(sentence)]
    foreign = sum(w in phrases.FOREIGN_WORDS for w in words)
    known = sum(w in phrases.KNOWN_WORDS for w in words)
    return len(words) >= 3 and foreign >= 2 and foreign > known


# -- reading one sentence ----------------------------------------------------------------------


def _compile(rows: Sequence[tuple[str, str, str, str]]) -> list[tuple[re.Pattern[str], str, str]]:
    return [(re.compile(p), meaning, negated) for p, meaning, negated, _example in rows]


_SET_PHRASES = _compile(phrases.SET_PHRASES)
_ANSWERS = _compile(phrases.ANSWERS)
_PENDING = re.compile("|".join(phrases.PENDING))
_DOUBT = re.compile("|".join(phrases.DOUBT))
_NEGATION = re.compile(phrases.NEGATION)
_NEGATION_AFTER = re.compile(phrases.NEGATION_AFTER)
_REGRET = re.compile(phrases.REGRET)
_WISH = re.compile(phrases.WISH)
_CLAUSE_BREAK = re.compile(phrases.CLAUSE_BREAK)
_GREETING = re.compile(phrases.GREETING)
_CLOSING = re.compile(phrases.CLOSING)
_INFINITIVE_CLAUSE = re.compile(phrases.INFINITIVE_CLAUSE)
_APOSTROPHES = str.maketrans({"’": "'", "`": "'", "´": "'", "„": '"', "“": '"', "”": '"'})
MAX_SENTENCE_CHARS = 1000
MAX_SENTENCES = 200


def normalise(sentence: str) -> str:
    """Lower case, one kind of apostrophe, ``ae/oe/ue`` kept as written, words single-spaced."""
    text = " ".join(sentence.lower().translate(_APOSTROPHES).split())
    return text.replace("can not", "cannot")


def sentence_answer(sentence: str) -> str:
    """``zusage``, ``absage``, ``unsicher`` (open, conditional or mixed), ``frage`` or ``""``.

    See ``invite.core.phrases`` for the tables and the order in which they are applied."""
    text = normalise(sentence)
    if text.rstrip(" )\"'").endswith("?"):
        return "frage"
    text = text.rstrip(".!… ")
    meanings: set[str] = set()
    for pattern, meaning, _same in _SET_PHRASES:
        if pattern.search(text):
            if meaning != "neutral":
                meanings.add(meaning)
            text = pattern.sub(" ", text)
    if _PENDING.search(text):
        return "unsicher"
    wish = False
    for clause in _clauses(text):
        said = set()
        for pattern, meaning, when_negated in _ANSWERS:
            for match in pattern.finditer(clause):
                negated = _negated(clause, match.start(), match.end())
                said.add(when_negated if negated else meaning)
        if said == {"zusage"} and _WISH.search(clause):
            wish, said = True, set()
        if said == {"zusage"} and _REGRET.search(clause):
            said = {"unsicher"}
        meanings |= said
    if not meanings:
        return "unsicher" if wish else ""
    if _DOUBT.search(text) and meanings != {"absage"}:
        return "unsicher"
    return meanings.pop() if len(meanings) == 1 else "unsicher"


def _clauses(text: str) -> list[str]:
    """Clauses split at commas and conjunctions; an infinitive with „zu“ stays with the
    clause it completes („leider ist es mir nicht möglich, teilzunehmen“)."""
    clauses: list[str] = []
    for part in _CLAUSE_BREAK.split(text):
        part = part.strip()
        if not part:
            continue
        if clauses and _INFINITIVE_CLAUSE.search(part):
            clauses[-1] = f"{clauses[-1]} {part}"
        else:
            clauses.append(part)
    return clauses


def _negated(clause: str, start: int, end: int) -> bool:
    """Is the phrase at ``clause[start:end]`` negated? A negation counts inside the phrase,
    up to five words before it, or — German puts „nicht“ after the verb — up to three words
    after it („Ich komme leider nicht“)."""
    before = " ".join(clause[:start].split()[-5:])
    after = " ".join(clause[end:].split()[:3])
    return bool(
        _NEGATION.search(before)
        or _NEGATION.search(clause[start:end])
        or _NEGATION_AFTER.search(after)
    )


# -- persons -----------------------------------------------------------------------------------

_TOTAL = [re.compile(p) for p in phrases.TOTAL]
_ZU_WORD = re.compile(phrases.ZU_WORD)
_PLUS_N = re.compile(phrases.PLUS_N)
_PLUS_ONE = [re.compile(p) for p in phrases.PLUS_ONE]
_COMPANIONS_UNKNOWN = [re.compile(p) for p in phrases.COMPANIONS_UNKNOWN]
_ALONE = re.compile(phrases.ALONE)
_WE = re.compile(phrases.WE)
_DATE_OR_TIME = re.compile(
    r"\b\d{1,2}[.:]\d{1,2}\.?(?:\d{2,4})?\b|\b\d{1,2}\s?uhr\b|\b\d{1,2}\s?[ap]\.?m\.?\b"
)


@dataclass(frozen=True)
class Persons:
    """What one sentence says about how many come: a total, companions, or doubt."""

    total: int | None = None
    companions: int = 0
    unknown: bool = False  # companions mentioned without a number


def _digits(text: str, language: str) -> str:
    try:
        return alpha2digit(text, language, threshold=0)
    except Exception:  # number words are a help, never a reason to stop
        return text


def sentence_persons(sentence: str, language: str = "de") -> Persons:
    """Persons named in one sentence: „zu zweit“ → total 2, „mit meiner Kollegin“ → one
    companion, „mit Kollegen“ → unknown. Number words („drei“, „three“) count as digits."""
    text = _digits(normalise(sentence), language)
    text = _DATE_OR_TIME.sub(" ", text)
    if match := _ZU_WORD.search(text):
        return Persons(total=phrases.ZU_N[match.group(1)])
    if match := _PLUS_N.search(text):
        return Persons(companions=int(match.group(1)))
    for pattern in _TOTAL:
        if match := pattern.search(text):
            return Persons(total=int(match.group(1)))
    companions = max(len(pattern.findall(text)) for pattern in _PLUS_ONE)
    if companions:
        return Persons(companions=companions)
    for pattern in _COMPANIONS_UNKNOWN:
        if pattern.search(text):
            return Persons(unknown=True)
    if _ALONE.search(text):
        return Persons(total=1)
    return Persons()


# -- the whole message -------------------------------------------------------------------------

_PARTICIPANTS = re.compile(
    r"(?im)^\s*(?:namen der teilnehmenden|teilnehmende|namen|names?)\s*:\s*(.{1,300})$"
)
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|wg|fw|fwd|antw|tr|sv|odp|ynt)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_ONE_CLICK = re.compile(
    r"^\s*(zusage|absage)\s+([0-9A-Za-z]{4}-?[0-9A-Za-z]{4})\s*$", re.IGNORECASE
)
_NUMBER_WORDS = {
    "ein": 1, "eine": 1, "einer": 1, "one": 1, "zwei": 2, "two": 2, "drei": 3, "three": 3,
    "vier": 4, "four": 4, "fünf": 5, "five": 5, "sechs": 6, "six": 6, "sieben": 7,
    "seven": 7, "acht": 8, "eight": 8, "neun": 9, "nine": 9, "zehn": 10, "ten": 10,
}  # fmt: skip


@dataclass
class _Signal:
    answer: str  # zusage | absage | unsicher (blocks) | leer (only if nothing else) | frage | fremd
    origin: str
    sentence: str


@dataclass
class _Collected:
    signals: list[_Signal] = field(default_factory=list)
    persons: list[tuple[int, str]] = field(default_factory=list)  # (total, where)
    companions: list[tuple[int, str]] = field(default_factory=list)  # (besides the writer, where)
    unknown: str = ""  # a sentence naming companions without a number
    participants: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plural: str = ""  # a Zusage said as „wir“ without a number
    unreadable_form: str = ""  # a returned form whose answer cannot be read


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
    """Combine one-click subject, form fields, scans and the written text into one reading.

    A returned form whose answer cannot be read (printed without its fields, nothing
    visibly ticked) is sent to review whatever the subject or the text says."""
    found = _Collected()
    click = one_click(mail.subject)
    if click and click[1] == code:
        found.signals.append(_Signal(click[0], "link", f"Betreff „{mail.subject.strip()}“"))
    for form in forms:
        _read_form(form, found)
    for scan in scans if not forms else ():
        _read_scan(scan, found)
    written = reply_text(mail.text)
    if found.unreadable_form:
        return _combine(found, written)
    subject = _REPLY_PREFIX.sub("", mail.subject).strip()
    if subject and not _REPLY_PREFIX.match(mail.subject) and not click:
        _read_sentence(subject, "betreff", found, language_of(subject + " " + written))
    _read_text(written, found)
    return _combine(found, written)


def _read_form(form: FormFields, found: _Collected) -> None:
    where = f"Formular „{form.filename}“"
    if form.printed and form.teilnahme not in ("ja", "nein"):
        found.unreadable_form = (
            f"{where} ist zurückgekommen, aber ohne Formularfelder (gedruckt oder als PDF "
            "gespeichert) und ohne erkennbares Kreuz bei Teilnahme – bitte im Anhang ansehen."
        )
        found.signals.append(_Signal("unsicher", "formular", found.unreadable_form))
    elif form.teilnahme in ("ja", "yes", "zusage"):
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
    language = language_of(text)
    for sentence in sentences(text, language):
        _read_sentence(sentence, "text", found, language)


def _read_sentence(sentence: str, origin: str, found: _Collected, language: str) -> None:
    shown = f"Betreff „{sentence}“" if origin == "betreff" else f"„{sentence}“"
    verdict = sentence_answer(sentence)
    if not verdict and origin == "text" and is_foreign(sentence):
        verdict = "fremd"
    if verdict:
        found.signals.append(_Signal(verdict, "text", shown))
    said = sentence_persons(sentence, language)
    if said.total is not None:
        found.persons.append((said.total, shown))
    if said.companions:
        found.companions.append((said.companions, shown))
    if said.unknown and verdict in ("zusage", ""):
        found.unknown = found.unknown or shown
    if verdict == "zusage" and said.total is None and _WE.search(normalise(sentence)):
        found.plural = found.plural or shown


def _combine(found: _Collected, written: str) -> Reading:
    said = [s for s in found.signals if s.answer in ("zusage", "absage")]
    answers = {s.answer for s in said}
    unsure = [s for s in found.signals if s.answer == "unsicher"]
    empty = [s for s in found.signals if s.answer == "leer"]
    foreign = [s for s in found.signals if s.answer == "fremd"]
    questions = [s.sentence for s in found.signals if s.answer == "frage"]
    notes = list(found.notes) + [f"Frage: {q.strip('„“')}" for q in questions]
    by_form = any(s.origin in ("formular", "scan", "link") for s in said)
    answer, reason = "", ""
    if len(answers) > 1:
        shown = "; ".join(
            f"{_origin_de(s.origin)}: {s.answer.capitalize()} ({s.sentence})" for s in said
        )
        reason = f"Widersprüchliche Angaben – {shown}."
    elif unsure:
        reason = f"Unklar: {unsure[0].sentence}"
    elif foreign and not by_form:
        reason = f"Text in einer anderen Sprache, bitte selbst lesen: {foreign[0].sentence}"
    elif answers:
        answer = answers.pop()
    elif empty:
        reason = f"Keine Zu- oder Absage erkannt: {empty[0].sentence}."
    elif questions:
        reason = f"Rückfrage statt Antwort: {questions[0]}"
    else:
        first = _first_content(written)
        reason = (
            f"Keine Zu- oder Absage erkannt: „{first[:200]}“"
            if first
            else "Die Nachricht enthält keinen Text und kein ausgefülltes Formular."
        )
    persons = None
    if answer == "zusage":
        persons, reason = _persons(found)
    return Reading(
        answer=answer,
        persons=persons,
        participants="; ".join(found.participants)[:1000],  # the form's names field holds 1,000
        note=" ".join(notes)[:1000],
        unsure=reason[:500],
        origins=tuple(dict.fromkeys(s.origin for s in said if s.answer == answer)),
        silent=not said and not unsure and not empty and not foreign,
    )


def _persons(found: _Collected) -> tuple[int | None, str]:
    """(persons, review reason): a total if one is given, else the writer plus companions;
    „wir“ or companions without a number are never silently one person."""
    totals = sorted({count for count, _where in found.persons})
    if len(totals) > 1:
        return None, "Unterschiedliche Personenzahlen: " + "; ".join(
            w for _c, w in found.persons
        ) + "."
    if totals:
        total = totals[0]
        if not 1 <= total <= MAX_READ_PERSONS:
            return None, f"Ungewöhnliche Personenzahl: {found.persons[0][1]}."
        extra = sum(c for c, _w in found.companions)
        if extra + 1 > total:
            where = "; ".join(w for _c, w in [*found.persons, *found.companions])
            return None, f"Personenzahl passt nicht zu den Begleitpersonen: {where}."
        return total, ""
    if found.unknown:
        return None, f"Anzahl Personen unklar (Begleitung ohne Zahl): {found.unknown}"
    if found.companions:
        total = 1 + sum(c for c, _w in found.companions)
        if total > MAX_READ_PERSONS:
            return None, f"Ungewöhnliche Personenzahl: {found.companions[0][1]}."
        return total, ""
    if found.plural:
        return None, f"Anzahl Personen unklar: {found.plural}"
    return None, ""


def _first_content(written: str) -> str:
    """The first sentence the person wrote: not the greeting, nothing from the closing on
    (the signature); the first sentence only when there is nothing else."""
    found = sentences(written)
    for sentence in found:
        if is_closing(sentence):
            break
        if not is_greeting(sentence) or sentence.count(" ") > 6:
            return sentence
    return found[0] if found else ""


def _origin_de(origin: str) -> str:
    return {"link": "Antwort-Link", "formular": "Formular", "scan": "Scan", "text": "Text"}.get(
        origin, origin
    )
