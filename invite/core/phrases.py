"""What counts as a Zusage or an Absage: the phrase tables, German and English.

Plain data, read by ``invite.core.answers``. Each table row is ``(pattern, meaning, negated,
example)``: ``meaning`` is what the phrase says (``zusage``, ``absage``, ``unsicher`` or
``neutral``), ``negated`` what it says when a negation („nicht“, „kein“, „not“, „n't“) is
bound to it (inside it, up to five words before it, or — German — up to three words after
it, within its clause). Patterns are regular expressions over the lower-cased sentence. The
order of the checks (see ``answers.sentence_answer``):

1. ``SET_PHRASES`` are masked first: idioms whose „nicht/kein“ does not negate the answer
   („wir sagen nicht nein“, „auf keinen Fall verpassen“) and polite formulas that carry no
   answer („falls sich etwas ändert, melde ich mich“, „vielen Dank für die Einladung“).
2. ``PENDING`` (a later answer, a condition still open, „noch nicht“) makes the sentence
   unclear whatever else it says; ``DOUBT`` („vielleicht“, „falls“) only when it also answers.
3. ``ANSWERS`` then give Zusage or Absage per clause. A wish alone („Ich würde gern kommen“)
   is no Zusage; regret beside a Zusage („Leider komme ich erst um 19 Uhr“) is unclear.

A sentence with more than one meaning is unclear (``prüfen``). Keep rows small and give an
example: a reviewer must be able to read what makes the tool record a Zusage.
"""

from __future__ import annotations

Row = tuple[str, str, str, str]  # pattern, meaning, negated meaning, example

# fmt: off

# 1. Set phrases, masked before anything else -------------------------------------------------
SET_PHRASES: list[Row] = [
    (r"\b(?:sagen|sage|sag) (?:\w+ ){0,2}nicht nein\b", "zusage", "zusage", "Da sagen wir nicht nein"),
    (r"\b(?:lassen|lasse|lass) (?:\w+ ){0,4}nicht entgehen\b|\bnicht entgehen lassen\b", "zusage", "zusage", "Das lassen wir uns nicht entgehen"),
    (r"\b(?:auf keinen fall|keinesfalls|nicht|ungern) (?:\w+ ){0,2}verpassen\b", "zusage", "zusage", "Das möchten wir auf keinen Fall verpassen"),
    (r"\b(?:werde|werden|wird|möchte|möchten|will|wollen) (?:\w+ ){0,3}nicht fehlen\b", "zusage", "zusage", "Wir werden nicht fehlen"),
    (r"\bsteht (?:\w+ ){0,4}nichts (?:mehr )?im wege?\b|\bnichts im wege? steh", "zusage", "zusage", "Einer Teilnahme steht nichts im Wege"),
    (r"\b(?:wouldn't|would not|won't|will not|don't want to|do not want to) miss\b", "zusage", "zusage", "We wouldn't miss it"),
    (r"\bcan't wait\b|\bcannot wait\b", "zusage", "zusage", "Can't wait!"),
    (r"\bnicht (?:vor ort|anwesend|in münster|in der stadt|im haus)\b|\bnicht da\b(?! ?(?:sein|bin|sind)? ?,? ?(?:ob|wann))", "absage", "absage", "Ich bin an dem Tag nicht da"),
    (r"\bkeine zeit\b|\bkeine möglichkeit\b|\bkein glück\b", "absage", "absage", "Wir haben leider keine Zeit"),
    (r"\bnot this time\b|\bnot available\b|\bnot in town\b|\bnot around\b", "absage", "absage", "Not this time, sorry"),
    (r"\b(?:ich|wir) (?:kann|können|könnten|konnte) (?:\w+ ){0,3}nicht(?=,|$)|\b(?:kann|können|konnte) (?:ich|wir) (?:\w+ ){0,3}nicht(?=,|$)|\b(?:i|we) (?:can't|cannot|won't|will not|couldn't)(?: \w+)?(?=,|$)", "absage", "absage", "Ich kann leider nicht."),
    (r"\baccept (?:my|our) apologies\b|\bentschuldigen sie (?:mich|uns)\b", "absage", "absage", "Please accept my apologies"),
    (r"\bno,? thanks?\b|\bno,? thank you\b|\bnein,? danke\b", "absage", "absage", "Nein, danke"),
    (r"\b(?:falls|wenn|sollte|sollten) sich (?:\w+ ){0,4}(?:etwas|was|daran|das|dies) (?:\w+ ){0,3}ändern?\b.*|\bsollte (?:etwas|was) dazwischen ?kommen\b.*", "neutral", "neutral", "Falls sich etwas ändert, melde ich mich"),
    (r"\bif (?:anything|something|that|my plans|plans) (?:\w+ )?changes?\b.*|\bshould (?:anything|something|that) change\b.*", "neutral", "neutral", "If anything changes I'll let you know"),
    (r"\b(?:falls|wenn) sie (?:noch )?(?:fragen|rückfragen)\b.*|\bif you (?:have|need) (?:any )?(?:questions|anything)\b.*|\bbei (?:fragen|rückfragen)\b.*", "neutral", "neutral", "Bei Fragen melden Sie sich gern"),
    (r"\bkein problem\b|\bno problem\b|\bkeine frage\b|\bohne frage\b|\bnicht nur\b|\bnot only\b|\bnicht zuletzt\b|\bnicht zu vergessen\b|\bnichtsdestotrotz\b|\bnicht wahr\b", "neutral", "neutral", "Kein Problem"),
    (r"\b(?:vielen|herzlichen|besten|lieben) dank\b[^.!?]*?\beinladung\b|\bthanks? (?:you )?(?:very much |so much )?for (?:the|your) (?:kind )?invitation\b", "neutral", "neutral", "Vielen Dank für die Einladung"),
]

# 2. Open answers: promises of a later answer, conditions still open, „noch nicht“ -----------
PENDING: list[str] = [
    r"\bnoch nicht\b", r"\bnoch (?:un)?klar\b", r"\bnoch offen\b", r"\bnoch unsicher\b", r"\bnoch unentschlossen\b", r"\bunentschlossen\b",
    r"\b(?:bin|sind|ist) (?:\w+ ){0,2}(?:nicht sicher|unsicher)\b", r"\b(?:weiß|wissen) (?:\w+ ){0,3}(?:noch )?nicht\b",
    r"\bmelde[nt]? (?:mich|uns|sich) (?:\w+ ){0,4}(?:noch|nochmal|nochmals|später|wieder|zeitnah|rechtzeitig|sobald|kurzfristig|dann)\b",
    r"\b(?:gebe|geben|sage|sagen) (?:\w+ ){0,3}bescheid\b", r"\bbescheid (?:geben|sagen)\b", r"\brückmeldung (?:folgt|kommt|geben wir|gebe ich)\b",
    r"\berst (?:nach|wenn|dann|später|kurzfristig|kurz vorher|morgen|nächste|am|im|in|sagen|entscheiden|klären|abstimmen)\b",
    r"\babwarten\b", r"\babklären\b|\bklären\b|\babstimmen\b|\brücksprache\b|\bentscheide[nt]?\b|\bentscheidung\b",
    r"\bhängt (?:\w+ ){0,3}ab\b|\babhängig\b|\bje nachdem\b|\bkommt (?:\w+ ){0,2}darauf an\b", r"\bunter vorbehalt\b|\bvorbehaltlich\b|\bunverbindlich\b",
    r"\bmal sehen\b|\bmal schauen\b|\bschauen wir\b|\bsehen wir\b", r"\bversuche[n]?\b|\bhoffe\b|\bhoffentlich\b|\bplane[n]?\b|\bgeplant\b",
    r"\bzusage (?:\w+ ){0,4}(?:später|erst|nachreichen|folgt)\b", r"\bdazwischen ?gekommen\b",
    r"\bnot yet\b|n't (?:\w+ ){0,4}yet\b|\bnot (?:\w+ ){0,3}yet\b", r"\bnot sure\b|\bunsure\b|\buncertain\b|\bundecided\b",
    r"\blet you know\b|\bget back to you\b|\bkeep you posted\b|\bconfirm (?:\w+ ){0,3}(?:later|closer|nearer|once|when|by|soon|next)\b",
    r"\bto be confirmed\b|\btbc\b|\btentative(?:ly)?\b|\bprovisional(?:ly)?\b", r"\btry to\b|\btrying to\b|\bhope to\b|\bhoping to\b|\bplan(?:ning)? to\b",
    r"\bdepend(?:s|ing)?\b|\bonce i (?:know|have|hear)\b|\bas soon as i\b",
    r"\bdo (?:my|our) best\b|\bmein (?:bestes|möglichstes)\b|\bunser (?:bestes|möglichstes)\b",
    # someone else would come in the invitee's place: staff decide
    r"\ban (?:meiner|unserer|seiner|ihrer) stelle\b|\bstatt (?:mir|uns|meiner)\b|\bstattdessen\b|\bvertritt (?:mich|uns)\b|\bin vertretung\b|\bvertreten (?:mich|uns)\b",
    r"\binstead\b|\bin my place\b|\bon my behalf\b|\bin (?:his|her|their) place\b|\breplace me\b",
]

# Doubt makes a sentence unclear only when it also answers („Vielleicht komme ich“).
DOUBT: list[str] = [
    r"\bvielleicht\b", r"\beventuell\b", r"\bevtl\b", r"\bvoraussichtlich\b", r"\bwahrscheinlich\b", r"\bvermutlich\b",
    r"\bmöglicherweise\b", r"\bggf\b", r"\bgegebenenfalls\b", r"\bunter umständen\b", r"\bfalls\b", r"\bsofern\b",
    r"\bsoweit\b", r"\bwenn\b", r"\bob\b", r"\bspontan\b", r"\beigentlich\b", r"\bnur\b",
    r"\bmaybe\b", r"\bperhaps\b", r"\bpossibly\b", r"\bprobably\b", r"\blikely\b", r"\bmight\b", r"\bif\b",
    r"\bunless\b", r"\bprovided\b", r"\bwhether\b", r"\bhopefully\b", r"\bonly\b",
]

# 3. Answers ------------------------------------------------------------------------------
ANSWERS: list[Row] = [
    # German: Zusage
    (r"\bkomm(?:e|en|t)\b(?!(?: \w+){0,4} (?:zurück|wieder)\b)(?! (?:sie|ihr) )(?! darauf an\b)", "zusage", "absage", "Ich komme gern"),
    (r"\b(?:vorbei ?kommen|vorbeischauen|erscheinen|erscheine)\b", "zusage", "absage", "Ich werde erscheinen"),
    (r"\b(?:nehme|nehmen|nimmt|nehmt)\b(?: [\w.,-]+){0,8} teil\b", "zusage", "absage", "Unsere Vorsitzende nimmt teil"),
    (r"\bteil(?:zu)?nehmen\b|\bteilnehme\b|\bteilnimmt\b|\bteilnehmt\b", "zusage", "absage", "Wir möchten gern teilnehmen"),
    (r"\b(?:bin|sind|ist|bleibe|wäre|wären|seid|sein)\b(?: [\w.,-]+){0,5} dabei\b|\bdabei sein\b", "zusage", "absage", "Bin dabei!"),
    (r"\bmelde[nt]?\b(?: [\w.,-]+){0,8} an\b(?! \w)|\banmelden\b|\bangemeldet\b", "zusage", "unsicher", "Hiermit melden wir uns an"),
    (r"\b(?:sage|sagen|sagt)\b(?: [\w.,-]+){0,6} zu\b(?! \w)|\bzusagen\b|\bzusage\b", "zusage", "unsicher", "Hiermit sage ich zu"),
    (r"\bbestätige[n]?\b.{0,40}\bteilnahme\b|\bteilnahme\b.{0,40}\bbestätig", "zusage", "unsicher", "Ich bestätige meine Teilnahme"),
    (r"\bda sein\b|\bvon der partie\b|\banwesend\b", "zusage", "absage", "Wir werden da sein"),
    (r"\b(?:gerne?|gern) annehme[n]?\b|\bnehme[n]? (?:\w+ ){0,4}(?:gerne?|dankend) an\b|\bnehme[n]? (?:\w+ ){0,2}einladung (?:\w+ ){0,2}an\b", "zusage", "unsicher", "Ich nehme die Einladung gerne an"),
    (r"\b(?:sind|ist|bin|werden|wird)\b(?: [\w.,-]+){0,6} vertreten\b", "zusage", "absage", "Wir sind mit zwei Personen vertreten"),
    (r"\bfreu(?:e|en|t)\b(?: [\w.,-]+){0,4} (?:auf|darauf)\b(?: [\w.,-]+){0,3} (?:abend|treffen|veranstaltung|termin|wiedersehen|austausch|begegnung|kennenlernen|vernetzungstreffen|empfang|gespräche|dort)\b|\bfreu(?:e|en|t) (?:mich|uns) (?:schon )?darauf\b", "zusage", "unsicher", "Wir freuen uns auf den Abend"),
    (r"\bpl(?:ä|ae)tze?\b.{0,30}\breservier|\breservier\w*\b.{0,30}\bpl(?:ä|ae)tze?\b", "zusage", "unsicher", "Bitte reservieren Sie 2 Plätze"),
    (r"^(?:ja|jawohl|jep|klar)\b(?:[ ,]+(?:gerne?|bitte|klar|sicher|natürlich|selbstverständlich|danke))*[ !.]*$", "zusage", "unsicher", "Ja, gerne!"),
    # German: Absage
    (r"\babsag(?:e|en|t)\b|\babzusagen\b|\b(?:sage|sagen|sagt)\b(?: [\w.,-]+){0,6} ab\b(?! \w)", "absage", "unsicher", "Ich muss leider absagen"),
    (r"\babmelden\b|\bmelde[nt]?\b(?: [\w.,-]+){0,6} ab\b(?! \w)", "absage", "unsicher", "Ich melde mich ab"),
    (r"\bverhindert\b|\bverplant\b|\bterminkollision\b|\bdoppelt gebucht\b|\banderweitig\w*\b|\bandere[nr]? (?:termin|verpflichtung)\b|\bparallel\w*\b.{0,20}\btermin", "absage", "unsicher", "Ich bin verhindert"),
    (r"\b(?:klappt|klappen|geht|gehen|passt|passen|schaffe|schaffen|schafft|reicht)\b(?: [\w.,-]+){0,5} nicht\b", "absage", "absage", "Das klappt bei uns leider nicht"),
    (r"\bnicht möglich\b|\bunmöglich\b", "absage", "absage", "Eine Teilnahme ist mir nicht möglich"),
    (r"\bohne (?:uns|mich)\b|\b(?:muss|müss)\w*\b(?: [\w.,-]+){0,4} passen\b|\b(?:müssen|muss) (?:\w+ ){0,3}fehlen\b", "absage", "unsicher", "Ohne uns, leider"),
    (r"\b(?:auf|bei|in) (?:einer|einem|der|dem) (?:fortbildung|tagung|konferenz|schulung|seminar|messe|klausur)\b|\bbin raus\b|\bsind raus\b", "absage", "unsicher", "Ich bin an dem Tag auf einer Fortbildung"),
    (r"\bim urlaub\b|\bverreist\b|\bauf reisen\b|\bdienstreise\b|\bkrank\b|\berkrankt\b|\bin elternzeit\b", "absage", "unsicher", "Wir sind in der Woche im Urlaub"),
    (r"^(?:leider )?nein\b|\bleider nein\b|\bleider nicht\b|\bleider (?:\w+ ){0,2}nicht dabei\b", "absage", "absage", "Leider nicht."),
    # English: Zusage
    (r"\battend(?:ing)?\b(?! to\b)|\bbe attending\b", "zusage", "absage", "I'd be glad to attend"),
    (r"\b(?:come|coming)\b(?! back\b)(?!(?: \w+){0,3} (?:back|again)\b)", "zusage", "absage", "We will come"),
    (r"\bwe(?:'ll| will) be \w+ (?:people|persons|of us)\b", "zusage", "absage", "We will be three people"),
    (r"\bjoin(?:ing)?\b|\bparticipat(?:e|ing)\b|\bbe there\b|\bbe present\b|\bmake it\b", "zusage", "absage", "I'll be there"),
    (r"\bcount (?:me|us) in\b|\bi'm in\b|\bwe're in\b|\bsign (?:me|us) up\b|\bsee you (?:there|then|on)\b", "zusage", "unsicher", "Count me in!"),
    (r"\baccept(?:ing)?\b|\bregister(?:ing)?\b|\bconfirm(?:ing)?\b(?: [\w.,-]+){0,4} (?:attendance|participation|place|spot|seat|coming|registration)\b|\bhappy to say yes\b", "zusage", "unsicher", "I accept your invitation"),
    (r"\blook(?:ing)? forward to (?:it|the event|the evening|the meeting|seeing you|meeting)\b", "zusage", "unsicher", "Looking forward to it"),
    (r"^(?:yes|yep|sure|absolutely)\b(?:[ ,]+(?:please|thanks|thank you|of course|definitely|gladly|i'm coming))*[ !.]*$", "zusage", "unsicher", "Yes, please!"),
    # English: Absage
    (r"\bunable\b|\bdecline\b|\bdeclining\b|\bregret\w*\b|\bapologies\b|\bapologi[sz]e\b", "absage", "unsicher", "I regret that I can't make it"),
    (r"\baway\b|\babroad\b|\bon (?:leave|holiday|vacation|annual leave|a business trip|sick leave)\b|\bout of (?:town|the country)\b|\btravel(?:l)?ing\b|\bill\b|\bbusy\b|\bi'm out\b", "absage", "unsicher", "I'm away that week"),
    (r"\b(?:have|had) to (?:miss|pass|skip|cancel)\b|\bwill (?:\w+ ){0,2}miss\b|\bsorry to miss\b|\bmust pass\b|\bgive it a miss\b|\bcan't do\b|\bprior (?:commitment|engagement)\b|\banother (?:commitment|engagement|appointment|meeting)\b|\bclash\w*\b|\bdouble[- ]booked\b", "absage", "unsicher", "I'll have to miss this one"),
    (r"^(?:no|nope)\b(?:[ ,]+(?:sorry|unfortunately|thanks|thank you))*[ !.]*$", "absage", "absage", "No, sorry."),
]

NEGATION = r"\b(?:nicht|nich|kein|keine|keinen|keiner|nie|niemals|niemand|not|never|cannot|no|none|nobody|neither)\b|\bno one\b|n't\b"
NEGATION_AFTER = r"\b(?:nicht|nich|kein|keine|keinen|nie|niemals)\b"
REGRET = r"\b(?:leider|bedauerlicherweise|unfortunately|sorry|schade)\b"
# A wish is no Zusage by itself („Ich würde gern kommen“ → prüfen); followed by a reason not
# to come it is an Absage („I'd like to come, but I'm on leave that week“).
WISH = r"\b(?:würde|würden|hätte|hätten|wollte|wollten) (?:\w+ ){0,3}(?:gern|gerne|eigentlich)\b|\b(?:i|we)'d (?:like|love)\b|\bwould (?:like|love)\b"
# An infinitive with „zu“ belongs to the clause before it („nicht möglich, teilzunehmen“).
INFINITIVE_CLAUSE = r"(?:\b\w+zu(?:nehmen|kommen|sein|erscheinen)|\bzu \w+en|\bdabei zu sein)(?: \w+)?$"
CLAUSE_BREAK = r"[,;:()–]| - |\s(?:aber|jedoch|sondern|allerdings|doch|und(?! (?:herrn?|frau|dr\.?|prof\.?|mein\w*|unser\w*|ich)\b)|oder|weil|denn|dass|obwohl|but|however|and|or|because|since|although|so)\s"

# Person counts (after number words became digits) -------------------------------------------
TOTAL: list[str] = [
    r"\banzahl(?: der)?(?: personen| teilnehmenden| teilnehmer)?\s*:\s*(\d{1,3})\b",
    r"\bpersonen\s*:\s*(\d{1,3})\b",
    r"\b(\d{1,3})\s*(?:personen|person|pers\.|teilnehmende[n]?|teilnehmer(?:innen|n)?|leute[n]?|vertreter(?:in|innen)?|plätze|platz|people|persons|attendees|participants|seats|places)\b",
    r"\b(?:the )?(\d{1,3}) of us\b",
    r"\b(?:wir sind|wir werden|wir kommen(?: mit)?|we(?:'ll| will)? be|we are)\s+(?:zu )?(\d{1,3})\b(?![.:]\d)(?! ?(?:uhr|pm|am|h)\b)",
    r"\bzu (\d{1,3})\b(?! ?(?:uhr|h)\b)(?![.:]\d)",
]
ZU_N = {"zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "sechst": 6, "siebt": 7, "acht": 8, "neunt": 9, "zehnt": 10}
ZU_WORD = r"\bzu (zweit|dritt|viert|fünft|sechst|siebt|acht|neunt|zehnt)\b"
COMPANION_NOUN = (
    r"(?:kolleg(?:e|en|in|innen)|begleit(?:ung|person|personen)|gäste|gast|mitarbeiter(?:in|innen|n)?|frau|mann|ehefrau|ehemann|partner(?:in)?|"
    r"tochter|sohn|stellvertreter(?:in)?|vorsitzende[n]?|assistent(?:in)?|referent(?:in)?|freund(?:in)?|"
    r"mannes|ehemannes|partners|sohnes|colleagues?|guests?|companions?|partner|wife|husband|daughter|son|deputy|assistant|friend|others?)"
)
# "mit 2 Kollegen" / "with 3 colleagues": that many besides the writer
PLUS_N = rf"\b(?:mit|with|plus|und|and|\+)\s+(?:insgesamt |weiteren |more |other )?(\d{{1,3}})\s+(?:weitere[n]? |more |other )?{COMPANION_NOUN}\b"
# one named companion, in the same or another sentence
PLUS_ONE: list[str] = [
    rf"\b(?:mit|samt|nebst|und|plus|with|and|bringe|bringen|bring|bringing)\s+(?:meiner|meinem|meine|meinen|einer|einem|eine|einen|unserer|unserem|unsere|unseren|a|my|one|our)\s+(?:[\w-]+\s+)?{COMPANION_NOUN}\b",
    rf"\b(?:mein|meine|unser|unsere|my|our)\s+(?:[\w-]+\s+)?{COMPANION_NOUN}\b[^.!?]{{0,60}}\b(?:kommt mit|kommt auch|kommen mit|kommen auch|begleitet|ist auch dabei|nimmt auch teil|will join|will come|will accompany|joins|is coming|comes too|will attend too)\b",
    r"\bplus one\b|\bplus eins\b|\+\s?1\b",
    rf"\bin begleitung (?:meines|meiner|unseres|unserer|eines|einer|von)\s+(?:[\w-]+\s+)?{COMPANION_NOUN}\b|\baccompanied by (?:my|a|our)\s+(?:[\w-]+\s+)?{COMPANION_NOUN}\b",
]
# companions whose number cannot be told („mit Kollegen“, „my colleagues“, „Frau X und ich“)
COMPANIONS_UNKNOWN: list[str] = [
    r"\b(?:mit|samt|with)\s+(?:meinen|unseren|einigen|mehreren|ein paar|weiteren|my|our|some|a few|several)?\s*(?:kolleg(?:en|innen)|gäste[n]?|mitarbeiter(?:innen|n)|colleagues|guests|others)\b",
    r"\b(?:meine|unsere|my|our)\s+(?:kolleg(?:en|innen)|mitarbeiter(?:innen)?|colleagues|staff)\s+(?:kommen|will|nehmen|sind)\b",
    r"\bund ich\b|\band i\b|\bund mich\b|\band me\b|\bich und\b",
    r"\b(?:bringe|bringen|bringt)\b(?: [\w.,-]+){0,6} mit\b|\b(?:leute|people|others|folks)\b",
]
ALONE = r"\b(?:allein|alleine|alone|by myself|nur ich|just me|only me|ohne begleitung)\b"
WE = r"\b(?:wir|uns|we|us|we'll|we're)\b"

# Greetings and closings: never quoted as the deciding sentence ------------------------------
GREETING = (
    r"^(?:sehr geehrte|geehrte|liebe[rs]?|hallo|hi|hello|dear|guten (?:tag|morgen|abend)|moin|servus|grüß gott)\b"
)
CLOSING = (
    r"^(?:mit (?:freundlichen|besten|herzlichen|lieben)|viele grüße|beste grüße|herzliche grüße|liebe grüße|"
    r"freundliche grüße|herzlich|gruß|grüße|lg|mfg|vg|best regards|kind regards|regards|best wishes|best|cheers|"
    r"sincerely|yours|hochachtungsvoll|bis (?:bald|dann))\b"
)

# German and English words that make a sentence readable here; a sentence of four or more
# words with almost none of them is in another language and goes to review.
KNOWN_WORDS = frozenset(  # noqa: SIM905
    ["ich", "wir", "sie", "er", "es", "du", "ihr", "uns", "mich", "mir", "ihnen", "und", "oder", "aber", "nicht", "kein", "keine", "ja", "nein", "gern", "gerne", "leider", "sehr", "geehrte", "damen", "herren", "hallo", "liebe", "lieber", "viele", "grüße", "mit", "freundlichen", "dank", "danke", "vielen", "für", "die", "der", "das", "den", "dem", "des", "ein", "eine", "einen", "einer", "zu", "zum", "zur", "am", "im", "in", "an", "auf", "aus", "bei", "von", "vom", "nach", "vor", "über", "unter", "ist", "sind", "bin", "war", "waren", "wird", "werden", "kann", "können", "möchte", "möchten", "komme", "kommen", "kommt", "nehme", "nehmen", "teil", "dabei", "einladung", "treffen", "termin", "veranstaltung", "anmeldung", "zusage", "absage", "herzlich", "herzliche", "bis", "bald", "also", "auch", "noch", "schon", "sehr", "gut", "anbei", "meine", "mein", "meinen", "unser", "unsere", "unseren", "dass", "sich", "wie", "was", "wer", "wo", "wann", "ob", "wenn", "als", "so", "nur", "mal", "doch", "dann", "da", "hier", "dort", "sein", "haben", "habe", "hat", "hatte", "hätte", "würde", "würden", "könnte", "muss", "müssen", "soll", "sollte", "darf", "will", "wollen", "bitte", "herzlichen", "gruß", "euch", "eure", "ihre", "man", "alle", "allen", "mehr", "weitere", "diesem", "dieser", "the", "a", "an", "and", "or", "but", "not", "no", "yes", "i", "we", "you", "he", "she", "it", "they", "our", "my", "your", "to", "of", "on", "at", "for", "with", "from", "by", "be", "is", "are", "am", "was", "will", "would", "can", "could", "shall", "should", "thank", "thanks", "dear", "regards", "best", "kind", "invitation", "event", "meeting", "attend", "come", "coming", "join", "sorry", "unfortunately", "please", "hello", "hi", "see", "there", "this", "that", "week", "day", "evening", "happy", "glad", "sure", "colleague", "colleagues"]
)

# Frequent words of the other languages replies come in (Turkish, Polish, French, Spanish,
# Italian): two of them in a sentence, with fewer German/English words, make it foreign.
FOREIGN_WORDS = frozenset(  # noqa: SIM905
    ["ve", "bir", "için", "bu", "ile", "çok", "teşekkür", "ederim", "katılacağım", "katılamayacağım", "maalesef", "toplantıya", "saygılarımla", "merhaba", "sayın", "bayan", "ekte", "formu", "gönderiyorum", "davetiniz", "w", "z", "na", "nie", "się", "jest", "że", "dziękuję", "za", "niestety", "mogę", "przyjść", "pozdrawiam", "udział", "spotkaniu", "wezmę", "razem", "zaproszenie", "dzień", "dobry", "szanowna", "pani", "załączniku", "formularz", "serdecznie", "przyjemnością", "je", "nous", "vous", "et", "le", "les", "merci", "pour", "pas", "avec", "serai", "viendrai", "participer", "bonjour", "cordialement", "yo", "y", "el", "los", "gracias", "por", "para", "asistir", "con", "saludos", "hola", "io", "e", "il", "grazie", "per", "parteciperò", "sono", "cordiali", "saluti"]
)

# fmt: on
