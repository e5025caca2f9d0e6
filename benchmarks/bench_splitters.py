"""Which sentence splitter reads replies best? SoMaJo, syntok and pysbd on labelled cases.

    python benchmarks/bench_splitters.py

Each case is a reply text and the sentences a person would see in it (German and English,
dates like „Do., 31.1.“, abbreviations like „z. B.“, „Dr.“, „ca.“, times like „17 Uhr“).
Prints, per splitter, how many cases it splits exactly right and the texts per second. The
chosen splitter (see ``invite/answers.py``) is the one with the best accuracy here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

CASES: list[tuple[str, str, list[str]]] = [
    (
        "de",
        "Am Do., 31.1. sind wir gern dabei. Viele Grüße",
        ["Am Do., 31.1. sind wir gern dabei.", "Viele Grüße"],
    ),
    (
        "de",
        "Hallo Frau Dr. Meier, wir kommen gern zu zweit.",
        ["Hallo Frau Dr. Meier, wir kommen gern zu zweit."],
    ),
    (
        "de",
        "Wir bringen z. B. Flyer mit. Ich komme mit Herrn Prof. Dr. Schulz.",
        ["Wir bringen z. B. Flyer mit.", "Ich komme mit Herrn Prof. Dr. Schulz."],
    ),
    ("de", "Wir sind um ca. 17 Uhr da. Bis dann!", ["Wir sind um ca. 17 Uhr da.", "Bis dann!"]),
    (
        "de",
        "Ich komme am 31.01.2019 gerne. Mein Kollege kommt mit.",
        ["Ich komme am 31.01.2019 gerne.", "Mein Kollege kommt mit."],
    ),
    (
        "de",
        "Leider bin ich am 31. Januar verhindert. Vielen Dank trotzdem!",
        ["Leider bin ich am 31. Januar verhindert.", "Vielen Dank trotzdem!"],
    ),
    ("de", "Bin dabei! Gruß, Olga", ["Bin dabei!", "Gruß, Olga"]),
    ("de", "Ohne uns, leider. Viel Erfolg!", ["Ohne uns, leider.", "Viel Erfolg!"]),
    (
        "de",
        "Wir kommen mit 3 Pers. zum Treffen. Danke.",
        ["Wir kommen mit 3 Pers. zum Treffen.", "Danke."],
    ),
    (
        "de",
        "Hiermit melden wir uns an (inkl. Vorsitzender). Anzahl: 2",
        ["Hiermit melden wir uns an (inkl. Vorsitzender).", "Anzahl: 2"],
    ),
    (
        "de",
        "Unsere Vorsitzende, Frau Dipl.-Ing. Kaya, nimmt teil. Sie kommt allein.",
        ["Unsere Vorsitzende, Frau Dipl.-Ing. Kaya, nimmt teil.", "Sie kommt allein."],
    ),
    (
        "de",
        "Können Sie mir sagen, wo man parkt? Ich komme jedenfalls.",
        ["Können Sie mir sagen, wo man parkt?", "Ich komme jedenfalls."],
    ),
    (
        "de",
        "Eine Zusage ist erst nach unserer Sitzung am 24.1. möglich. Wir melden uns noch.",
        ["Eine Zusage ist erst nach unserer Sitzung am 24.1. möglich.", "Wir melden uns noch."],
    ),
    (
        "de",
        "Sehr geehrte Damen und Herren, vielen Dank für die Einladung. Ich nehme teil.",
        ["Sehr geehrte Damen und Herren, vielen Dank für die Einladung.", "Ich nehme teil."],
    ),
    (
        "de",
        "Wir (d. h. Herr Yıldız und ich) kommen gerne. Bis bald",
        ["Wir (d. h. Herr Yıldız und ich) kommen gerne.", "Bis bald"],
    ),
    (
        "de",
        "Der Verein e.V. ist mit zwei Personen vertreten. Danke!",
        ["Der Verein e.V. ist mit zwei Personen vertreten.", "Danke!"],
    ),
    (
        "de",
        "Ich muss erst den Dienstplan abwarten, z.B. bis Mo. 21.1. Dann melde ich mich.",
        ["Ich muss erst den Dienstplan abwarten, z.B. bis Mo. 21.1.", "Dann melde ich mich."],
    ),
    (
        "de",
        "Termin: Do. 31.1.2019, 17 Uhr. Wir sind dabei.",
        ["Termin: Do. 31.1.2019, 17 Uhr.", "Wir sind dabei."],
    ),
    ("de", "Danke!!! Wir kommen zu dritt :-)", ["Danke!!!", "Wir kommen zu dritt :-)"]),
    (
        "de",
        "Ich komme gern... mal sehen, ob mein Kollege auch kann.",
        ["Ich komme gern... mal sehen, ob mein Kollege auch kann."],
    ),
    (
        "de",
        "Nr. 17 meldet sich an. Bitte notieren Sie 2 Personen.",
        ["Nr. 17 meldet sich an.", "Bitte notieren Sie 2 Personen."],
    ),
    (
        "de",
        "Wir sagen nicht nein und kommen gern. Bis zum 31.!",
        ["Wir sagen nicht nein und kommen gern.", "Bis zum 31.!"],
    ),
    (
        "en",
        "Dear Dr. Smith, I'd be glad to attend. See you on Jan. 31.",
        ["Dear Dr. Smith, I'd be glad to attend.", "See you on Jan. 31."],
    ),
    (
        "en",
        "Unfortunately I'm away that week. Best wishes, Sam",
        ["Unfortunately I'm away that week.", "Best wishes, Sam"],
    ),
    (
        "en",
        "We will not be able to make it. Thanks for the invitation!",
        ["We will not be able to make it.", "Thanks for the invitation!"],
    ),
    (
        "en",
        "Mr. Jones and I will attend, i.e. two of us. Regards",
        ["Mr. Jones and I will attend, i.e. two of us.", "Regards"],
    ),
    (
        "en",
        "I'll come at approx. 5 p.m. on Thursday. My colleague will join me.",
        ["I'll come at approx. 5 p.m. on Thursday.", "My colleague will join me."],
    ),
    (
        "en",
        "Is there parking nearby? I plan to attend.",
        ["Is there parking nearby?", "I plan to attend."],
    ),
    ("en", "Count me in! Looking forward to it.", ["Count me in!", "Looking forward to it."]),
    (
        "en",
        "We can't confirm yet, e.g. the board meets on 24 Jan. We'll let you know.",
        ["We can't confirm yet, e.g. the board meets on 24 Jan.", "We'll let you know."],
    ),
    (
        "de",
        "Wir kommen am 31. Januar gern. Herzliche Grüße",
        ["Wir kommen am 31. Januar gern.", "Herzliche Grüße"],
    ),
    (
        "de",
        "Am 1. Februar bin ich im Urlaub, daher leider nicht. Schade!",
        ["Am 1. Februar bin ich im Urlaub, daher leider nicht.", "Schade!"],
    ),
    (
        "de",
        "Sie erreichen mich unter Tel. 0251 / 12 34. Ich komme.",
        ["Sie erreichen mich unter Tel. 0251 / 12 34.", "Ich komme."],
    ),
    (
        "de",
        "Die 2. Vorsitzende kommt mit. Wir sind also zu zweit.",
        ["Die 2. Vorsitzende kommt mit.", "Wir sind also zu zweit."],
    ),
    (
        "de",
        "Gerne nehme ich teil!Viele Grüße aus Hiltrup",
        ["Gerne nehme ich teil!", "Viele Grüße aus Hiltrup"],
    ),
    (
        "de",
        "Ich komme mit meiner Kollegin, Fr. Nowak. Bitte 2 Plätze reservieren.",
        ["Ich komme mit meiner Kollegin, Fr. Nowak.", "Bitte 2 Plätze reservieren."],
    ),
    (
        "de",
        "Wir sind bis einschl. 3. Februar verreist. Deshalb müssen wir absagen.",
        ["Wir sind bis einschl. 3. Februar verreist.", "Deshalb müssen wir absagen."],
    ),
    (
        "de",
        "Herr Prof. Dr. Öztürk u. Frau Kaya kommen. Danke!",
        ["Herr Prof. Dr. Öztürk u. Frau Kaya kommen.", "Danke!"],
    ),
    (
        "en",
        "I'm on leave from Jan. 28 to Feb. 4. So I can't come, sorry.",
        ["I'm on leave from Jan. 28 to Feb. 4.", "So I can't come, sorry."],
    ),
    (
        "en",
        "Ms. Lee will attend on behalf of our org. Thank you.",
        ["Ms. Lee will attend on behalf of our org.", "Thank you."],
    ),
]


def somajo_splitter() -> Callable[[str, str], list[str]]:
    from somajo import SoMaJo

    de = SoMaJo("de_CMC", split_camel_case=False)
    en = SoMaJo("en_PTB", split_camel_case=False)

    def split(text: str, lang: str) -> list[str]:
        tool = de if lang == "de" else en
        out = []
        for sentence in tool.tokenize_text([text]):
            out.append(_detok(sentence))
        return out

    return split


def _detok(tokens: list) -> str:
    return "".join(t.text + (" " if t.space_after else "") for t in tokens).strip()


def syntok_splitter() -> Callable[[str, str], list[str]]:
    from syntok import segmenter

    def split(text: str, lang: str) -> list[str]:
        out = []
        for paragraph in segmenter.analyze(text):
            for sentence in paragraph:
                out.append("".join(t.spacing + t.value for t in sentence).strip())
        return out

    return split


def pysbd_splitter() -> Callable[[str, str], list[str]]:
    import pysbd

    de = pysbd.Segmenter(language="de", clean=False)
    en = pysbd.Segmenter(language="en", clean=False)

    def split(text: str, lang: str) -> list[str]:
        return [s.strip() for s in (de if lang == "de" else en).segment(text) if s.strip()]

    return split


def main() -> None:
    print(f"{len(CASES)} labelled texts ({sum(c[0] == 'de' for c in CASES)} German)")
    for name, make in (
        ("SoMaJo", somajo_splitter),
        ("syntok", syntok_splitter),
        ("pysbd", pysbd_splitter),
    ):
        split = make()
        right, wrong = 0, []
        for lang, text, expected in CASES:
            got = split(text, lang)
            if [" ".join(s.split()) for s in got] == expected:
                right += 1
            else:
                wrong.append((text, got))
        rounds = 20
        start = time.perf_counter()
        for _ in range(rounds):
            for lang, text, _exp in CASES:
                split(text, lang)
        per_second = rounds * len(CASES) / (time.perf_counter() - start)
        print(f"{name:8} {right}/{len(CASES)} exactly right, {per_second:,.0f} texts/s")
        for text, got in wrong:
            print(f"    ✗ {text!r} → {got}")


if __name__ == "__main__":
    main()
