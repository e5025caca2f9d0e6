"""Replies as people write them, quoted the way their mail programs quote.

Each entry is what a person typed above (or below) the quoted invitation, with what staff
would record: Zusage with persons, Absage, or „prüfen“ when a careful reader could not be
sure. The wording was written the way people answer invitations — not to fit the reader's
rules. Every entry is sent through one of the real quoting formats (Gmail, Outlook desktop
and OWA in German and English, Apple Mail, Thunderbird, HTML-only and multipart mails) in
turn, threaded to the invitation of an invitee, so ``invite poll`` sees what it will see.

``reply_cases(corpus)`` returns the cases; ``tests/corpus.py`` adds them to the corpus.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path

from corpus import DATE, Case, Corpus
from pypdf import PdfReader, PdfWriter

from invite.core.answers import language_of

# Invitees whose answers other tests look at (27: history, 34–40: spoof/bounce/auto-reply)
# are left alone; these get the replies.
INVITEES = [str(n) for n in (*range(1, 27), 41, 42)]

Z, A, P = "zusage", "absage", "pruefen"

# fmt: off
# (text, expected answer, persons when Zusage) -------------------------------------------------
GERMAN: list[tuple[str, str, int | None]] = [
    # clear Zusagen, one person
    ("Sehr geehrte Damen und Herren,\n\nvielen Dank für die Einladung. Ich nehme gerne teil.\n\nMit freundlichen Grüßen\nAyşe Yılmaz", Z, 1),
    ("Hallo Frau Rietkötter,\nich bin dabei!\nViele Grüße\nOlga", Z, 1),
    ("Bin dabei!\n\nLG Dmitri", Z, 1),
    ("Gerne komme ich zum Vernetzungstreffen am 31.1.\n\nBeste Grüße\nMinh Nguyễn", Z, 1),
    ("Sehr geehrte Frau Rietkötter,\n\nhiermit melde ich mich für das Vernetzungstreffen an.\n\nFreundliche Grüße\nKarim Haddad", Z, 1),
    ("Liebe Frau Rietkötter,\n\nam Do., 31.1. bin ich gern dabei.\n\nHerzliche Grüße\nEleni Papadopoulou", Z, 1),
    ("Guten Tag,\n\nich bestätige hiermit meine Teilnahme am Vernetzungstreffen.\n\nMit freundlichen Grüßen\nDr. Jan Kowalski", Z, 1),
    ("Vielen Dank für die freundliche Einladung, der ich sehr gerne folge. Ich komme.\n\nMfG\nH. Demir", Z, 1),
    ("Hallo,\n\nich komme gerne. Gibt es vor Ort Parkplätze?\n\nGruß\nS. Öztürk", Z, 1),
    ("Sehr geehrte Damen und Herren,\n\nUnsere Vorsitzende nimmt teil.\n\nMit freundlichen Grüßen\ni. A. Petra Schulte\nSekretariat", Z, 1),
    ("Hallo zusammen,\nich sage hiermit zu.\nBis dann\nFatma", Z, 1),
    ("Sehr geehrte Frau Rietkötter,\n\ndas Treffen möchte ich auf keinen Fall verpassen – ich komme!\n\nViele Grüße\nLena Wójcik", Z, 1),
    ("Moin,\n\ndas lasse ich mir nicht entgehen. Ich komme allein.\n\nGruß Jens", Z, 1),
    ("Liebe Kolleginnen und Kollegen,\n\nich freue mich über die Einladung und nehme am 31. Januar gerne teil.\n\nHerzliche Grüße\nProf. Dr. Meier", Z, 1),
    ("Hallo Frau Dr. Meier,\n\nich werde am Vernetzungstreffen teilnehmen.\n\nBeste Grüße\nA. Nowak", Z, 1),
    ("Sehr geehrte Damen und Herren,\n\nich nehme an der Veranstaltung am 31.01.2019 um 17 Uhr teil.\n\nMit freundlichen Grüßen\nThi Lan Pham", Z, 1),
    ("Ja, gerne!\n\nGruß\nMehmet", Z, 1),
    ("Sehr geehrte Frau Rietkötter,\nich freue mich, dabei sein zu dürfen.\nMfG Karl-Heinz Brösel", Z, 1),
    ("Hallo,\nich werde da sein.\nViele Grüße", Z, 1),
    ("Guten Tag Frau Rietkötter,\n\nhiermit sage ich meine Teilnahme zu. Ich komme ca. 17.30 Uhr, da ich vorher noch einen Termin habe.\n\nFreundliche Grüße\nN. Al-Sayed", Z, 1),
    ("Sehr geehrte Damen und Herren,\n\nvielen Dank für die Einladung! Da sage ich nicht nein und komme gern.\n\nBeste Grüße\nIrina Wolkowa", Z, 1),
    ("Hallo Susanne,\n\nich komme! Freue mich auf den Austausch.\n\nLiebe Grüße\nBirgit", Z, 1),
    ("Sehr geehrte Frau Rietkötter,\n\nich melde mich hiermit verbindlich an.\n\nMit freundlichen Grüßen\nTomasz Lewandowski\nPolnische Katholische Mission", Z, 1),
    ("Hallo,\n\nich komme etwas später, so gegen 18 Uhr, bin aber dabei.\n\nGruß\nAli", Z, 1),
    ("Sehr geehrte Damen und Herren,\n\nHerr Dr. Okafor wird an dem Treffen teilnehmen.\n\nMit freundlichen Grüßen\nSekretariat Okafor", Z, 1),
    ("Liebe Frau Rietkötter,\n\nvielen Dank, ich nehme teil, allerdings ohne Begleitung.\n\nViele Grüße\nJelena", Z, 1),
    ("Guten Morgen,\nich bin am 31.1. mit von der Partie.\nViele Grüße\nYusuf", Z, 1),
    ("Sehr geehrte Damen und Herren,\n\nich freue mich auf das Vernetzungstreffen und nehme gerne teil.\n\nMit freundlichen Grüßen\nDr. rer. nat. Ewa Zielińska", Z, 1),
    # clear Zusagen with a number of persons
    ("Sehr geehrte Damen und Herren,\n\nwir kommen gerne zu zweit.\n\nMit freundlichen Grüßen\nVerein Brückenbau e.V.", Z, 2),
    ("Hallo,\n\nwir nehmen mit drei Personen teil.\n\nViele Grüße\nKulturverein", Z, 3),
    ("Guten Tag,\n\nich komme mit meiner Kollegin Frau Kaya.\n\nFreundliche Grüße\nS. Aydın", Z, 2),
    ("Sehr geehrte Frau Rietkötter,\n\nich nehme gern teil. Mein Kollege kommt mit.\n\nViele Grüße\nMarta Nowak", Z, 2),
    ("Hallo,\nhiermit melden wir uns mit 4 Personen an.\nNamen der Teilnehmenden: A. Diallo, B. Diallo, C. Sow, D. Ba\nGruß", Z, 4),
    ("Sehr geehrte Damen und Herren,\n\nam Do., 31.1. sind wir zu dritt dabei.\n\nMit freundlichen Grüßen\nAfrika-Forum Münster", Z, 3),
    ("Hallo Frau Rietkötter,\n\nwir sind mit zwei Personen vertreten: Herr Yıldız und ich.\n\nBeste Grüße\nZeynep Arslan", Z, 2),
    ("Liebe Frau Rietkötter,\n\nich komme und bringe meinen Stellvertreter mit.\n\nHerzliche Grüße\nRoman Kowalczyk", Z, 2),
    ("Guten Tag,\n\nfür unseren Verein nehmen 2 Personen teil.\n\nMit freundlichen Grüßen\nVietnamesischer Kulturverein", Z, 2),
    ("Sehr geehrte Damen und Herren,\n\ngerne nehme ich mit einer Begleitperson teil.\n\nMit freundlichen Grüßen\nGiorgos Papadakis", Z, 2),
    ("Hi,\nwir kommen zu fünft, wenn das in Ordnung ist? Sonst auch zu dritt.\nVG", P, None),
    ("Sehr geehrte Frau Rietkötter,\n\nDa sagen wir nicht nein und kommen gern – zu zweit.\n\nMit freundlichen Grüßen\nDeutsch-Türkischer Freundeskreis", Z, 2),
    ("Hallo,\n\nwir sind am 31.1. dabei, insgesamt 3 Personen.\n\nGruß aus Hiltrup", Z, 3),
    ("Sehr geehrte Damen und Herren,\n\nhiermit melden wir uns an. Anzahl Personen: 2\n\nMit freundlichen Grüßen\nChristine Adeyemi", Z, 2),
    ("Hallo,\n\nich komme mit zwei Kollegen aus dem Vorstand.\n\nViele Grüße\nDaniel Mensah", Z, 3),
    ("Sehr geehrte Frau Rietkötter,\n\nunsere Vorsitzende und ich nehmen teil, also 2 Personen.\n\nFreundliche Grüße\nK. Schmidt", Z, 2),
    ("Liebe Frau Rietkötter,\n\nwir lassen uns das nicht entgehen und kommen zu viert.\n\nLiebe Grüße\nFamilienzentrum Kinderhaus", Z, 4),
    ("Guten Tag,\nbitte reservieren Sie zwei Plätze für unseren Verein, wir kommen gern.\nMfG", Z, 2),
    # clear Absagen
    ("Sehr geehrte Damen und Herren,\n\nleider kann ich nicht teilnehmen.\n\nMit freundlichen Grüßen\nHans Becker", A, None),
    ("Ohne uns, leider.\n\nViele Grüße\nTanja", A, None),
    ("Hallo Frau Rietkötter,\n\nam 31.1. bin ich leider verhindert.\n\nViele Grüße\nAnna Lewandowska", A, None),
    ("Sehr geehrte Frau Rietkötter,\n\nleider muss ich absagen, da ich an diesem Tag einen anderen Termin habe.\n\nMit freundlichen Grüßen\nDr. Meier", A, None),
    ("Guten Tag,\n\nwir können leider nicht kommen. Wir wünschen Ihnen eine gelungene Veranstaltung!\n\nMit freundlichen Grüßen\nVerein Nachbarschaftshilfe", A, None),
    ("Hallo,\n\ndas klappt bei mir leider nicht.\n\nLG Ole", A, None),
    ("Sehr geehrte Damen und Herren,\n\nvielen Dank für die Einladung. Eine Teilnahme ist mir leider nicht möglich.\n\nMit freundlichen Grüßen\nIbrahim Coulibaly", A, None),
    ("Liebe Frau Rietkötter,\n\nich bin in der Woche im Urlaub und kann daher nicht dabei sein. Schade!\n\nViele Grüße\nMaria", A, None),
    ("Guten Tag,\n\nwir sagen für das Vernetzungstreffen ab.\n\nFreundliche Grüße\nSozialdienst muslimischer Frauen", A, None),
    ("Leider nein.\n\nGruß\nP.", A, None),
    ("Sehr geehrte Damen und Herren,\n\nzu meinem Bedauern muss ich Ihnen mitteilen, dass ich am 31. Januar nicht teilnehmen kann.\n\nHochachtungsvoll\nDr. Alexander Kim", A, None),
    ("Hallo,\n\nich schaffe es leider nicht.\n\nViele Grüße\nJana", A, None),
    ("Sehr geehrte Frau Rietkötter,\n\nterminlich passt es uns leider nicht.\n\nMit freundlichen Grüßen\nEritreischer Verein", A, None),
    ("Liebe Frau Rietkötter,\n\nleider bin ich an dem Tag auf Dienstreise. Ich wünsche Ihnen ein gutes Treffen!\n\nHerzliche Grüße\nNadia", A, None),
    ("Hallo,\nwir müssen leider passen.\nGruß", A, None),
    ("Sehr geehrte Damen und Herren,\n\nhiermit melde ich mich von der Veranstaltung ab, da ich erkrankt bin und krank geschrieben bin.\n\nMit freundlichen Grüßen\nF. Rahimi", A, None),
    ("Guten Tag,\n\nich kann am 31.1. leider nicht.\n\nViele Grüße\nElif", A, None),
    ("Sehr geehrte Frau Rietkötter,\n\nwir sind an dem Abend leider nicht dabei.\n\nMit freundlichen Grüßen\nSyrischer Kulturverein", A, None),
    ("Hallo,\n\ndiesmal leider nicht, da wir parallel einen eigenen Termin haben.\n\nViele Grüße", A, None),
    ("Sehr geehrte Damen und Herren,\n\nich habe leider keine Zeit.\n\nMfG\nW. Schneider", A, None),
    ("Liebe Frau Rietkötter,\n\nich muss mich leider entschuldigen, ich bin am 31.1. nicht in Münster.\n\nLiebe Grüße\nAgnieszka", A, None),
    ("Nein, danke.\n\nMfG", A, None),
    ("Sehr geehrte Damen und Herren,\n\nleider kann niemand aus unserem Verein teilnehmen.\n\nMit freundlichen Grüßen\nVorstand", A, None),
    ("Hallo,\nam Do. 31.1. bin ich leider schon verplant und muss absagen.\nSorry!\nTobias", A, None),
    # unclear: hedges, conditions, promises of a later answer, questions, mixed signals
    ("Hallo,\n\nich würde gern kommen, muss aber erst den Dienstplan abwarten.\n\nGruß\nSabine", P, None),
    ("Sehr geehrte Damen und Herren,\n\neine Zusage ist erst nach unserer Sitzung am 24.1. möglich.\n\nMit freundlichen Grüßen\nVorstand", P, None),
    ("Hallo Frau Rietkötter,\n\nwir melden uns noch.\n\nViele Grüße", P, None),
    ("Sehr geehrte Damen und Herren,\n\nwir können noch nicht fest zusagen.\n\nMit freundlichen Grüßen\nMigrantenbeirat", P, None),
    ("Hallo,\n\nvielleicht komme ich, das hängt von meiner Schicht ab.\n\nLG", P, None),
    ("Guten Tag,\n\nich komme, falls ich rechtzeitig aus Düsseldorf zurück bin.\n\nGruß\nM. Sarr", P, None),
    ("Sehr geehrte Frau Rietkötter,\n\nich kann leider nicht, aber meine Kollegin Frau Demir kommt.\n\nMit freundlichen Grüßen\nAhmet Kaya", P, None),
    ("Hallo,\n\nich komme, mein Kollege leider nicht.\n\nGruß\nKevin", P, None),
    ("Sehr geehrte Damen und Herren,\n\nwir kommen gerne!\n\nMit freundlichen Grüßen\nInternationaler Frauentreff", P, None),
    ("Hallo Frau Rietkötter,\n\nich komme gern mit Kollegen aus dem Vorstand.\n\nViele Grüße\nB. Osei", P, None),
    ("Guten Tag,\n\nkann ich auch meine Tochter mitbringen?\n\nMfG\nLiu Wei", P, None),
    ("Sehr geehrte Damen und Herren,\n\nist eine Anmeldung noch möglich? Ich weiß noch nicht, ob ich es schaffe.\n\nGruß", P, None),
    ("Hallo,\n\nich gebe Ihnen nächste Woche Bescheid.\n\nGruß\nLaura", P, None),
    ("Sehr geehrte Frau Rietkötter,\n\nunter Vorbehalt: ich nehme teil.\n\nMit freundlichen Grüßen\nDr. Sahin", P, None),
    ("Liebe Frau Rietkötter,\n\neventuell komme ich mit meinem Mann.\n\nHerzliche Grüße\nRosa", P, None),
    ("Hallo,\n\nich komme gern. Leider kann ich doch nicht.\n\nGruß", P, None),
    ("Sehr geehrte Damen und Herren,\n\nich weiß es noch nicht genau, das entscheidet sich kurzfristig.\n\nMfG", P, None),
    ("Hallo Frau Rietkötter,\n\ndanke für die Einladung! Ich versuche zu kommen.\n\nViele Grüße\nNina", P, None),
    ("Guten Tag,\n\nwir würden gerne kommen, wissen aber noch nicht, wer von uns Zeit hat.\n\nFreundliche Grüße", P, None),
    ("Sehr geehrte Frau Rietkötter,\n\nich muss das erst mit dem Vorstand klären.\n\nMit freundlichen Grüßen\nS. Benali", P, None),
    ("Hallo,\n\nwahrscheinlich bin ich dabei.\n\nGruß\nPeter", P, None),
    ("Sehr geehrte Damen und Herren,\n\nmein Kollege Herr Yıldız nimmt an meiner Stelle teil.\n\nMit freundlichen Grüßen\nMustafa Kaya", P, None),
    ("Hallo,\n\nich komme gern und bringe noch Leute aus dem Verein mit.\n\nGruß", P, None),
    ("Guten Tag,\n\nwir melden uns an, sobald klar ist, wie viele wir sind.\n\nGrüße", P, None),
    ("Sehr geehrte Damen und Herren,\n\nvielen Dank für die Einladung.\n\nMit freundlichen Grüßen\nHelga Sommer", P, None),
    ("Hallo,\n\nanbei meine Unterschrift.\n\nGruß", P, None),
    ("Sehr geehrte Frau Rietkötter,\n\nmuss ich mich vorher anmelden oder kann ich spontan kommen?\n\nViele Grüße", P, None),
    ("Liebe Frau Rietkötter,\n\nwir sind noch unentschlossen und sagen bis Freitag Bescheid.\n\nLiebe Grüße", P, None),
    ("Hallo,\n\nes kommt darauf an, ob ich frei bekomme.\n\nVG", P, None),
    ("Sehr geehrte Damen und Herren,\n\nich komme, wenn es meine Gesundheit zulässt.\n\nMit freundlichen Grüßen\nGertrud Wagner", P, None),
    ("Hallo,\n\nbin dabei, aber nur bis 18 Uhr. Mein Mann kommt vielleicht nach.\n\nGruß", P, None),
    ("Guten Tag,\n\nich würde teilnehmen, wenn eine Übersetzung ins Arabische angeboten wird.\n\nMit freundlichen Grüßen", P, None),
    ("Hallo Frau Rietkötter,\n\nich wollte eigentlich kommen, aber jetzt ist etwas dazwischengekommen. Ich melde mich nochmal.\n\nGruß", P, None),
]

ENGLISH: list[tuple[str, str, int | None]] = [
    # clear Zusagen
    ("Dear Ms Rietkötter,\n\nthank you for the invitation. I'd be glad to attend.\n\nBest regards\nSam Okoro", Z, 1),
    ("Hi,\n\ncount me in!\n\nCheers\nTom", Z, 1),
    ("Dear Sir or Madam,\n\nI will attend the networking meeting on 31 January.\n\nKind regards\nDr. Priya Sharma", Z, 1),
    ("Hello,\n\nI'm happy to confirm my attendance.\n\nBest wishes\nGrace", Z, 1),
    ("Dear Ms Rietkötter,\n\nwe will be three people from our association.\n\nBest regards\nAfrican Diaspora Network", Z, 3),
    ("Hi Susanne,\n\nI'll be there, and my colleague will join me.\n\nThanks\nDavid", Z, 2),
    ("Dear all,\n\nI would be delighted to join you on 31 January. I will come with a colleague.\n\nRegards\nMohammed Ali", Z, 2),
    ("Hello,\n\nthe two of us will attend.\n\nBest\nAnna and Lee", Z, 2),
    ("Dear Ms Rietkötter,\n\nI accept your kind invitation with pleasure.\n\nYours sincerely\nProf. John Mensah", Z, 1),
    ("Hi,\n\nI wouldn't miss it! See you there.\n\nBest\nKofi", Z, 1),
    ("Dear Sir or Madam,\n\nplease register me for the meeting.\n\nKind regards\nLina Haddad", Z, 1),
    ("Hello,\n\nyes, I'm coming.\n\nRegards\nOmar", Z, 1),
    ("Dear organisers,\n\nI'm pleased to say I can attend. Looking forward to it.\n\nBest regards\nDr. Chen", Z, 1),
    # clear Absagen
    ("Dear Ms Rietkötter,\n\nunfortunately I cannot attend.\n\nBest regards\nSam", A, None),
    ("Hi,\n\nI'm away that week, so I can't come. Sorry!\n\nBest\nJulia", A, None),
    ("Dear Sir or Madam,\n\nwe will not be able to make it.\n\nKind regards\nThe Board", A, None),
    ("Hello,\n\nI regret that I have to decline.\n\nRegards\nA. Kumar", A, None),
    ("Dear Ms Rietkötter,\n\nthank you for the invitation, but I have a prior commitment that evening.\n\nBest wishes\nRachel", A, None),
    ("Hi,\n\nsorry, I'm on leave that week.\n\nCheers\nMatt", A, None),
    ("Dear all,\n\nI'm afraid I won't be able to attend.\n\nBest regards\nFatima", A, None),
    ("Hello,\n\nI'll have to miss this one, unfortunately.\n\nRegards\nBen", A, None),
    ("Dear Ms Rietkötter,\n\nplease accept my apologies, I will be travelling on 31 January.\n\nKind regards\nDr. Nkosi", A, None),
    ("Hi,\n\nnot this time, sorry.\n\nBest\nEmma", A, None),
    ("Dear organisers,\n\nunfortunately none of us can attend this year.\n\nBest regards\nCommunity Centre", A, None),
    ("Dear Ms Rietkötter,\n\nI'd like to come, but I'm on leave that week.\n\nBest regards\nHenry", A, None),
    # unclear
    ("Hello,\n\nI'm not sure yet whether I can make it. I'll let you know next week.\n\nBest\nClaire", P, None),
    ("Dear Sir or Madam,\n\nwe will come!\n\nKind regards\nMigrant Women's Network", P, None),
    ("Hi,\n\nmaybe I'll come, depending on work.\n\nThanks\nLeo", P, None),
    ("Dear Ms Rietkötter,\n\ncan I bring my husband?\n\nBest\nMaria", P, None),
    ("Hello,\n\nI'll try to attend if my train is on time.\n\nRegards\nIvan", P, None),
    ("Dear organisers,\n\nwe can't confirm yet, the board meets on 24 Jan. We'll get back to you.\n\nBest regards", P, None),
    ("Hi,\n\nI can't come, but my colleague Ms Osei will attend instead.\n\nBest\nJames", P, None),
    ("Dear Ms Rietkötter,\n\nthank you very much for the invitation.\n\nKind regards\nSarah", P, None),
    ("Hello,\n\nI plan to attend with some colleagues.\n\nRegards", P, None),
    ("Dear Sir or Madam,\n\nI would love to join, however I have not received approval from my manager yet.\n\nBest\nAisha", P, None),
]

# Other languages: read by staff, unless the form answers.
FOREIGN: list[tuple[str, str, int | None]] = [
    ("Merhaba,\n\ndavetiniz için teşekkür ederim. Toplantıya katılacağım.\n\nSaygılarımla\nAyşe Yılmaz", P, None),
    ("Sayın Bayan Rietkötter,\n\nmaalesef toplantıya katılamayacağım.\n\nSaygılarımla\nMehmet Demir", P, None),
    ("Dzień dobry,\n\ndziękuję za zaproszenie. Niestety nie mogę przyjść.\n\nPozdrawiam\nAnna Kowalska", P, None),
    ("Szanowna Pani,\n\nz przyjemnością wezmę udział w spotkaniu razem z koleżanką.\n\nZ poważaniem\nTomasz Nowak", P, None),
    ("مرحبا،\n\nشكرا على الدعوة. سأحضر الاجتماع إن شاء الله.\n\nمع التحية\nكريم حداد", P, None),
    ("السلام عليكم،\n\nللأسف لا أستطيع الحضور في ذلك اليوم.\n\nمع التحية", P, None),
    ("Здравствуйте,\n\nспасибо за приглашение. Я обязательно приду.\n\nС уважением\nОльга Петрова", P, None),
    ("Добрый день,\n\nк сожалению, я не смогу прийти на встречу.\n\nС уважением\nДмитрий Иванов", P, None),
]

# Subjects that are no answer themselves; the body decides (or nothing does).
SUBJECTS: list[tuple[str, str, str, int | None]] = [
    ("Anmeldung", "Sehr geehrte Damen und Herren,\n\nanbei unsere Unterlagen.\n\nMit freundlichen Grüßen", P, None),
    ("Anmeldung", "Hallo,\n\nich nehme gerne teil.\n\nGruß\nAnke", Z, 1),
    ("Re: Einladung", "Sehr geehrte Frau Rietkötter,\n\nvielen Dank!\n\nMit freundlichen Grüßen", P, None),
    ("Anmeldung Vernetzungstreffen", "Hallo,\n\nwie melde ich mich an?\n\nGruß", P, None),
    ("Zusage", "Sehr geehrte Damen und Herren,\n\nich komme gern.\n\nMfG\nBernd", Z, 1),
    ("Absage Vernetzungstreffen", "Sehr geehrte Frau Rietkötter,\n\nleider kann ich nicht teilnehmen.\n\nMit freundlichen Grüßen", A, None),
    ("Teilnahme", "Hallo,\n\ndie Frage ist, ob wir einen Dolmetscher brauchen.\n\nGruß", P, None),
]

# A second batch, written afterwards and measured before the reader saw it (see the report of
# issue 10): typos, no punctuation, long mails about other things, emoji, assistants.
MORE: list[tuple[str, str, int | None]] = [
    ("hallo frau rietkötter ich komme gerne lg sonja", Z, 1),
    ("Sehr geehrte Frau Rietkötter,\n\nvielen Dank für Ihre Mail. Ich habe mir den Termin eingetragen und komme sehr gerne. Bei der Gelegenheit: unser Sommerfest findet am 14. Juni statt, die Einladung folgt.\n\nMit herzlichen Grüßen\nGül Şahin\nVorsitzende", Z, 1),
    ("Hallo,\nich nehme teil 👍\nGruß Arne", Z, 1),
    ("Sehr geehrte Damen und Herren,\n\nim Auftrag von Herrn Dr. Nguyen darf ich Ihnen mitteilen, dass er gerne an der Veranstaltung teilnimmt.\n\nMit freundlichen Grüßen\ni. A. Julia Brandt\nBüro Dr. Nguyen", Z, 1),
    ("Liebe Susanne,\n\nklar, bin dabei :-)\n\nLG Anke", Z, 1),
    ("Guten Tag,\n\nhiermit bestätige ich die Teilnahme von zwei Personen unseres Vereins.\n\nMit freundlichen Grüßen\nK. Okonkwo", Z, 2),
    ("Sehr geehrte Frau Rietkötter,\n\nich werde mit meiner Stellvertreterin Frau Lemke teilnehmen.\n\nMit freundlichen Grüßen\nRainer Voß", Z, 2),
    ("hallo, wir kommen mit 2 leuten. gruß", Z, 2),
    ("Sehr geehrte Damen und Herren,\n\nich nehme teil und bringe einen Gast mit.\n\nMit freundlichen Grüßen\nDr. Bauer", Z, 2),
    ("Moin moin,\n\nich bin am 31. gerne dabei. Bis dann!\n\nHauke", Z, 1),
    ("Sehr geehrte Frau Rietkötter,\n\nherzlichen Dank für die Einladung, die ich gerne annehme.\n\nMit freundlichen Grüßen\nProf. Dr. Aylin Kara", Z, 1),
    ("Guten Tag,\n\nwir werden mit drei Vertreterinnen anwesend sein.\n\nFreundliche Grüße\nFrauenverband Münster", Z, 3),
    ("Hallo,\n\nich melde mich an. Meine Kollegin Frau Ivanova kommt auch mit.\n\nGruß\nPetra", Z, 2),
    ("Sehr geehrte Damen und Herren,\n\nich nehme die Einladung gerne an und werde pünktlich da sein.\n\nMit freundlichen Grüßen\nH. Berisha", Z, 1),
    ("Liebe Frau Rietkötter,\n\nwie schön, dass das Treffen wieder stattfindet! Ich komme.\n\nHerzlich\nMarlies", Z, 1),
    ("Sehr geehrte Damen und Herren,\n\nleider muss ich meine Teilnahme absagen.\n\nMit freundlichen Grüßen\nS. Yilmaz", A, None),
    ("hallo, kann leider nicht kommen, bin krank. gruß tim", A, None),
    ("Sehr geehrte Frau Rietkötter,\n\naus terminlichen Gründen kann ich leider nicht teilnehmen. Ich wünsche Ihnen eine gute Veranstaltung.\n\nMit freundlichen Grüßen\nDr. Wolff", A, None),
    ("Guten Tag,\n\nan dem Abend habe ich bereits eine Vorstandssitzung und kann daher nicht kommen.\n\nFreundliche Grüße\nA. Haddad", A, None),
    ("Hallo Susanne,\n\ndiesmal muss ich leider passen, das nächste Mal gerne wieder!\n\nLG Nicole", A, None),
    ("Sehr geehrte Damen und Herren,\n\nwir werden an der Veranstaltung nicht teilnehmen.\n\nMit freundlichen Grüßen\nVerein Heimat e.V.", A, None),
    ("Liebe Frau Rietkötter,\n\nich bin vom 28.1. bis 3.2. verreist, deshalb klappt es leider nicht.\n\nViele Grüße\nOlena", A, None),
    ("Sehr geehrte Frau Rietkötter,\n\nleider ist es mir nicht möglich, an dem Treffen teilzunehmen.\n\nMit freundlichen Grüßen\nMarkus Klein", A, None),
    ("Hallo,\n\nich kann am Donnerstag nicht, sorry!\n\nVG Lisa", A, None),
    ("Hallo,\n\nich komme vielleicht später nach, kann es aber nicht versprechen.\n\nGruß", P, None),
    ("Sehr geehrte Damen und Herren,\n\nob ich teilnehmen kann, entscheidet sich erst kurzfristig.\n\nMit freundlichen Grüßen", P, None),
    ("Guten Tag,\n\nwir sind interessiert. Können Sie uns das Programm schicken?\n\nFreundliche Grüße", P, None),
    ("Hallo Frau Rietkötter,\n\nich komme gern, meine Kollegin kann leider nicht.\n\nViele Grüße\nSilke", P, None),
    ("Sehr geehrte Frau Rietkötter,\n\nin Vertretung für Frau Schulz wird Herr Aksoy teilnehmen.\n\nMit freundlichen Grüßen\nSekretariat", P, None),
    ("Hallo,\n\ndas hört sich spannend an. Ich schaue mal, ob ich es einrichten kann.\n\nLG", P, None),
    ("Sehr geehrte Damen und Herren,\n\nsofern mein Zug pünktlich ist, bin ich dabei.\n\nMit freundlichen Grüßen\nDr. Haas", P, None),
    ("Hallo,\n\nwir kommen sehr gerne.\n\nViele Grüße\nEuer Nachbarschaftstreff", P, None),
    ("Sehr geehrte Frau Rietkötter,\n\nich habe die Einladung an unseren Vorstand weitergeleitet.\n\nMit freundlichen Grüßen", P, None),
    ("Hallo,\n\nich weiß leider noch nicht, ob ich Zeit habe.\n\nLG", P, None),
    ("Dear Ms Rietkötter,\n\nthanks a lot, I'm coming!\n\nBest\nNora", Z, 1),
    ("hi, i will attend. regards, mike", Z, 1),
    ("Dear Sir or Madam,\n\nI am pleased to accept the invitation and will attend together with my deputy.\n\nYours faithfully\nDr. Adebayo", Z, 2),
    ("Hello,\n\nsorry, I can't make it on the 31st.\n\nBest wishes\nPaul", A, None),
    ("Dear Ms Rietkötter,\n\nI'm afraid I have another engagement that evening.\n\nKind regards\nMargaret", A, None),
    ("Hi,\n\nI might be able to come, I'll confirm next week.\n\nCheers\nRaj", P, None),
    ("Dear Sir or Madam,\n\ncould you tell me whether the venue is wheelchair accessible?\n\nKind regards\nTom", P, None),
]

# A third batch, also measured before any change to the reader.
THIRD: list[tuple[str, str, int | None]] = [
    ("Sehr geehrte Frau Rietkötter,\n\ngerne bestätige ich meine Teilnahme für den 31.01.\n\nMit freundlichen Grüßen\nDr. Hamid Rahimi", Z, 1),
    ("Hallo,\n\nich bin leider krankgeschrieben und kann nicht kommen.\n\nLG Bettina", A, None),
    ("Guten Tag,\n\nich komme sehr gerne, bitte notieren Sie mich.\n\nViele Grüße\nJosef Nowicki", Z, 1),
    ("Sehr geehrte Damen und Herren,\n\nunser Verein wird durch Frau Mahmoud und Herrn Idowu vertreten, also 2 Personen.\n\nMit freundlichen Grüßen\nder Vorstand", Z, 2),
    ("Hallo Frau Rietkötter,\n\nich freue mich auf das Vernetzungstreffen und bin dabei.\n\nHerzliche Grüße\nMaja", Z, 1),
    ("Liebe Frau Rietkötter,\n\nes tut mir leid, aber an dem Tag bin ich auf einer Fortbildung in Berlin.\n\nViele Grüße\nKatrin", A, None),
    ("Sehr geehrte Damen und Herren,\n\nbitte streichen Sie mich von der Teilnehmerliste, ich kann doch nicht kommen.\n\nMfG\nR. Kaya", A, None),
    ("Hallo,\n\nich hatte mich schon telefonisch angemeldet, komme also.\n\nGruß\nFrank", Z, 1),
    ("Sehr geehrte Frau Rietkötter,\n\nich nehme in Begleitung meines Mannes teil.\n\nMit freundlichen Grüßen\nNaledi Khumalo", Z, 2),
    ("Guten Tag,\n\nwir nehmen teil, genaue Anzahl folgt.\n\nGrüße\nStadtteilbüro", P, None),
    ("Hallo,\n\nich kann noch nicht zusagen, da ich auf die Bestätigung meines Urlaubs warte.\n\nGruß", P, None),
    ("Sehr geehrte Damen und Herren,\n\nich komme, allerdings erst gegen 18:30 Uhr.\n\nMit freundlichen Grüßen\nLuis Fernández", Z, 1),
    ("Hallo,\n\nwäre es möglich, dass mein Mann mitkommt?\n\nLG Fatima", P, None),
    ("Sehr geehrte Frau Rietkötter,\n\nleider müssen wir Ihnen absagen, da unser Vorstand an diesem Tag tagt.\n\nMit freundlichen Grüßen", A, None),
    ("Hallo,\n\nbin raus, sorry.\n\nLG", A, None),
    ("Dear Ms Rietkötter,\n\nI'm delighted to accept. I'll come alone.\n\nBest regards\nHiroshi Tanaka", Z, 1),
    ("Hi,\n\nI can't attend in person, unfortunately.\n\nBest\nZoe", A, None),
    ("Dear Sir or Madam,\n\nI will be attending together with two colleagues.\n\nKind regards\nDr. Mwangi", Z, 3),
    ("Hello,\n\nI'm sorry but I'm busy that evening.\n\nRegards\nLucas", A, None),
    ("Dear Ms Rietkötter,\n\nI'll do my best to be there.\n\nBest wishes\nAmir", P, None),
    ("Hi there,\n\nyes please, two places for us.\n\nThanks\nOlu", Z, 2),
    ("Sehr geehrte Damen und Herren,\n\nich möchte mich hiermit für das Vernetzungstreffen anmelden.\n\nMit freundlichen Grüßen\nSvetlana Iwanowa", Z, 1),
    ("Hallo,\n\nich bin am 31. leider schon anderweitig verplant.\n\nGruß\nUwe", A, None),
    ("Guten Tag,\n\nob wir kommen, entscheidet unser Vorstand am Montag.\n\nFreundliche Grüße", P, None),
    ("Hallo,\n\nich komme, bringe aber meine zwei Kinder mit – ist das okay?\n\nLG", P, None),
]

# fmt: on

GREETINGS_DE = [
    "",
    "Hallo,\n\n",
    "Sehr geehrte Damen und Herren,\n\n",
    "Liebe Frau Rietkötter,\n\n",
    "Guten Tag,\n\n",
]


# -- quoting formats ---------------------------------------------------------------------------


def _quoted(body: str) -> str:
    return "\n".join("> " + line if line else ">" for line in body.splitlines())


def _fmt_gmail_de(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    head = f"Am Di., 15. Jan. 2019 um 11:30 Uhr schrieb {c.settings.mail.from_name} <{c.settings.mail.from_address}>:"
    return f"{text}\n\n{head}\n\n{_quoted(c.body_of(nr))}\n", ""


def _fmt_gmail_en(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    head = f"On Tue, Jan 15, 2019 at 11:30 AM {c.settings.mail.from_name} <{c.settings.mail.from_address}> wrote:"
    return f"{text}\n\n{head}\n\n{_quoted(c.body_of(nr))}\n", ""


def _fmt_outlook_de(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    original = c.sent[nr]
    return (
        f"{text}\n\n-----Ursprüngliche Nachricht-----\nVon: {c.settings.mail.from_name} <{c.settings.mail.from_address}>\n"
        f"Gesendet: Dienstag, 15. Januar 2019 11:30\nAn: {c.inv(nr).email}\nBetreff: {original['Subject']}\n\n{c.body_of(nr)}\n",
        "",
    )


def _fmt_outlook_new_de(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    original = c.sent[nr]
    return (
        f"{text}\n\n________________________________\nVon: {c.settings.mail.from_name} <{c.settings.mail.from_address}>\n"
        f"Gesendet: Dienstag, 15. Januar 2019 11:30\nAn: {c.inv(nr).display_name} <{c.inv(nr).email}>\n"
        f"Betreff: {original['Subject']}\n\n{c.body_of(nr)}\n",
        "",
    )


def _fmt_outlook_en(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    original = c.sent[nr]
    return (
        f"{text}\n\nFrom: {c.settings.mail.from_name} <{c.settings.mail.from_address}>\n"
        f"Sent: Tuesday, January 15, 2019 11:30 AM\nTo: {c.inv(nr).email}\nSubject: {original['Subject']}\n\n{c.body_of(nr)}\n",
        "",
    )


def _fmt_owa_de(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    original = c.sent[nr]
    return (
        f"{text}\n\n\nVon: {c.settings.mail.from_name}\nGesendet: Dienstag, 15. Januar 2019 11:30:12\n"
        f"An: {c.inv(nr).display_name}\nBetreff: {original['Subject']}\n\n{c.body_of(nr)}\n",
        "",
    )


def _fmt_apple_de(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    head = f"> Am 15.01.2019 um 11:30 schrieb {c.settings.mail.from_name} <{c.settings.mail.from_address}>:\n> \n"
    return f"{text}\n\n{head}{_quoted(c.body_of(nr))}\n", ""


def _fmt_thunderbird_bottom(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    head = f"Am 15.01.19 um 11:30 schrieb {c.settings.mail.from_name}:"
    return f"{head}\n{_quoted(c.body_of(nr))}\n\n{text}\n", ""


def _paragraphs(text: str) -> str:
    return "".join(
        f"<div>{html.escape(line)}</div>" if line else "<div><br></div>"
        for line in text.split("\n")
    )


def _fmt_html_gmail(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    quoted = html.escape(c.body_of(nr)).replace("\n", "<br>")
    page = (
        f'<div dir="ltr">{_paragraphs(text)}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        f"Am Di., 15. Jan. 2019 um 11:30 Uhr schrieb {html.escape(c.settings.mail.from_name)} &lt;{c.settings.mail.from_address}&gt;:<br></div>"
        f'<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">{quoted}</blockquote></div>'
    )
    return "", f"<html><head></head><body>{page}</body></html>"


def _fmt_html_outlook(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    original = c.sent[nr]
    body = "".join(
        f'<p class="MsoNormal">{html.escape(line) or "&nbsp;"}</p>' for line in text.split("\n")
    )
    quoted = "".join(
        f'<p class="MsoNormal">{html.escape(line) or "&nbsp;"}</p>'
        for line in c.body_of(nr).split("\n")
    )
    page = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style><!-- p.MsoNormal {margin:0cm;} --></style></head>'
        f'<body lang="DE"><div class="WordSection1">{body}<p class="MsoNormal">&nbsp;</p>'
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        f'<p class="MsoNormal"><b>Von:</b> {html.escape(c.settings.mail.from_name)} &lt;{c.settings.mail.from_address}&gt; <br>'
        f"<b>Gesendet:</b> Dienstag, 15. Januar 2019 11:30<br><b>An:</b> {c.inv(nr).email}<br>"
        f"<b>Betreff:</b> {html.escape(str(original['Subject']))}</p></div>{quoted}</div></body></html>"
    )
    return "", page


def _fmt_html_apple(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    quoted = html.escape(c.body_of(nr)).replace("\n", "<br>")
    page = (
        f'<html><body dir="auto">{_paragraphs(text)}<div><br><blockquote type="cite">'
        f"<div>Am 15.01.2019 um 11:30 schrieb {html.escape(c.settings.mail.from_name)}:</div><br>{quoted}</blockquote></div></body></html>"
    )
    return "", page


def _fmt_alternative(text: str, c: Corpus, nr: str) -> tuple[str, str]:
    """Thunderbird/Apple send text and HTML; the text part is read."""
    plain, _ = _fmt_gmail_de(text, c, nr)
    _, page = _fmt_html_gmail(text, c, nr)
    return plain, page


FORMATS: list[tuple[str, Callable[[str, Corpus, str], tuple[str, str]]]] = [
    ("gmail-de", _fmt_gmail_de),
    ("outlook-de", _fmt_outlook_de),
    ("apple-de", _fmt_apple_de),
    ("html-gmail", _fmt_html_gmail),
    ("outlook-new-de", _fmt_outlook_new_de),
    ("thunderbird-bottom", _fmt_thunderbird_bottom),
    ("owa-de", _fmt_owa_de),
    ("html-outlook", _fmt_html_outlook),
    ("gmail-en", _fmt_gmail_en),
    ("outlook-en", _fmt_outlook_en),
    ("html-apple", _fmt_html_apple),
    ("alternative", _fmt_alternative),
]


def compose_reply(
    c: Corpus,
    name: str,
    nr: str,
    text: str,
    fmt: str,
    *,
    subject: str | None = None,
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    """A reply to ``nr``'s invitation as the mail program ``fmt`` writes it."""
    inv = c.inv(nr)
    original = c.sent[nr]
    msg = EmailMessage()
    msg["From"] = formataddr((inv.display_name, inv.email))  # quoted, as mail programs do
    msg["To"] = c.settings.mail.reply_to
    msg["Subject"] = subject if subject is not None else f"AW: {original['Subject']}"
    msg["Date"] = format_datetime(DATE + dt.timedelta(days=1, minutes=len(name)))
    msg["Message-ID"] = f"<{name}@corpus.test>"
    msg["In-Reply-To"] = str(original["Message-ID"])
    msg["References"] = str(original["Message-ID"])
    plain, page = dict(FORMATS)[fmt](text, c, nr)
    if plain:
        msg.set_content(plain)
        if page:
            msg.add_alternative(page, subtype="html")
    else:
        msg.set_content(page, subtype="html")
    for filename, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return msg.as_bytes(policy=SMTP)


# -- forms filled in different tools -----------------------------------------------------------


def _filled_regenerated(c: Corpus, nr: str, **values: str) -> bytes:
    """Filled with appearances regenerated (what pypdf-based web tools produce)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(c.form(nr))))
    writer.update_page_form_field_values(writer.pages[0], values, auto_regenerate=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _printed(data: bytes) -> bytes:
    """„Drucken → Als PDF speichern“: pdftocairo flattens the form like a print driver."""
    exe = shutil.which("pdftocairo")
    if exe is None:  # poppler-utils is part of the test machine (see README)
        raise RuntimeError("pdftocairo (poppler-utils) is needed to build the corpus")
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp, "in.pdf"), Path(tmp, "out.pdf")
        source.write_bytes(data)
        subprocess.run([exe, "-pdf", str(source), str(target)], check=True, timeout=60)
        return target.read_bytes()


def _form_cases(c: Corpus, nrs: list[str]) -> list[Case]:
    """(name, text, attachment, expected answer, persons) for forms from different tools."""
    it = iter(nrs)
    cases: list[Case] = []

    def add(
        name: str,
        text: str,
        make: Callable[[str], bytes],
        answer: str,
        persons: int | None,
        reason: str = "",
        group: str = "form",
    ) -> None:
        nr = next(it)
        raw = compose_reply(
            c, name, nr, text, "gmail-de", attachments=(("Anmeldeformular.pdf", make(nr)),)
        )
        kind = "answer" if answer in (Z, A) else "unclear"
        cases.append(Case(name, group, raw, kind, nr, answer, persons, reason=reason))

    add(
        "tool-regenerated-ja-3",
        "Anbei das Formular.",
        lambda nr: _filled_regenerated(
            c, nr, teilnahme="/ja", personen="3", namen="Ana Costa, Rui Costa, Inês Costa"
        ),
        Z,
        3,
    )
    add(
        "tool-regenerated-nein",
        "Anbei.",
        lambda nr: _filled_regenerated(c, nr, teilnahme="/nein"),
        A,
        None,
    )
    add(
        "tool-personen-word",
        "Formular anbei, Gruß",
        lambda nr: c.filled_form(nr, teilnahme="/ja", personen="zwei"),
        Z,
        2,
    )
    add(
        "tool-printed-ja-2",
        "Anbei das ausgefüllte Formular als PDF.",
        lambda nr: _printed(
            c.filled_form(nr, teilnahme="/ja", personen="2", namen="Ayşe Yılmaz, Olga Petrowa")
        ),
        Z,
        2,
    )
    add(
        "tool-printed-nein",
        "Anbei mein Formular.",
        lambda nr: _printed(c.filled_form(nr, teilnahme="/nein")),
        A,
        None,
    )
    add(
        "tool-printed-blank-subject-zusage",
        "Anbei die Anmeldung.",
        lambda nr: _printed(c.form(nr)),
        P,
        None,
        reason="ohne erkennbares Kreuz",
    )
    add(
        "tool-printed-persons-no-tick",
        "Wir kommen gerne, Formular anbei.",
        lambda nr: _printed(c.filled_form(nr, personen="2")),
        P,
        None,
        reason="ohne erkennbares Kreuz",
    )
    add(
        "tool-form-ja-text-turkish",
        "Merhaba, formu ekte gönderiyorum. Saygılarımla",
        lambda nr: c.filled_form(nr, teilnahme="/ja", personen="1"),
        Z,
        1,
        group="text-other",
    )
    add(
        "tool-form-nein-text-polish",
        "Dzień dobry, w załączniku formularz. Pozdrawiam serdecznie",
        lambda nr: c.filled_form(nr, teilnahme="/nein"),
        A,
        None,
        group="text-other",
    )
    add(
        "tool-form-ja-text-russian",
        "Здравствуйте, высылаю заполненную форму. С уважением",
        lambda nr: c.filled_form(
            nr, teilnahme="/ja", personen="2", namen="Олег Петров, Ольга Петрова"
        ),
        Z,
        2,
        group="text-other",
    )
    # the printed form with a subject that says „Zusage“: the form decides, not the subject
    nr = next(it)
    raw = compose_reply(
        c,
        "tool-printed-blank-subject",
        nr,
        "",
        "gmail-de",
        subject="Zusage",
        attachments=(("scan.pdf", _printed(c.form(nr))),),
    )
    cases.append(
        Case(
            "tool-printed-blank-subject",
            "form",
            raw,
            "unclear",
            nr,
            P,
            None,
            reason="ohne erkennbares Kreuz",
        )
    )
    return cases


# -- the cases ---------------------------------------------------------------------------------


def reply_cases(c: Corpus) -> list[Case]:
    """Every written reply in every quoting format, threaded to an invitee's invitation."""
    cases: list[Case] = []
    counter = 0

    def nr_for() -> str:
        nonlocal counter
        counter += 1
        return INVITEES[counter % len(INVITEES)]

    def add(
        prefix: str,
        group: str,
        index: int,
        text: str,
        answer: str,
        persons: int | None,
        fmt: str,
        subject: str | None = None,
    ) -> None:
        nr = nr_for()
        name = f"{prefix}-{index:03d}-{fmt}"
        raw = compose_reply(c, name, nr, text, fmt, subject=subject)
        kind = "answer" if answer in (Z, A) else "unclear"
        cases.append(Case(name, group, raw, kind, nr, answer, persons if answer == Z else None))

    german_formats = [f for f, _ in FORMATS if not f.endswith("-en")]
    english_formats = ["gmail-en", "outlook-en", "html-apple", "html-gmail", "alternative"]
    for i, (text, answer, persons) in enumerate(GERMAN):
        add("de", "text-de", i, text, answer, persons, german_formats[i % len(german_formats)])
    # the clear answers once more, in the next format and without greeting lines
    for i, (text, answer, persons) in enumerate(GERMAN):
        if answer != P:
            core = _core(text)
            add(
                "de2",
                "text-de",
                i,
                GREETINGS_DE[i % len(GREETINGS_DE)] + core,
                answer,
                persons,
                german_formats[(i + 5) % len(german_formats)],
            )
    for i, (text, answer, persons) in enumerate(ENGLISH):
        add("en", "text-en", i, text, answer, persons, english_formats[i % len(english_formats)])
    for i, (text, answer, persons) in enumerate(MORE):
        group = "text-en" if language_of(text) == "en" else "text-de"
        add("more", group, i, text, answer, persons, german_formats[(i + 3) % len(german_formats)])
    for i, (text, answer, persons) in enumerate(THIRD):
        group = "text-en" if language_of(text) == "en" else "text-de"
        add("third", group, i, text, answer, persons, german_formats[(i + 7) % len(german_formats)])
    for i, (text, answer, persons) in enumerate(FOREIGN):
        add("xx", "text-other", i, text, answer, persons, german_formats[i % len(german_formats)])
    for i, (subject, text, answer, persons) in enumerate(SUBJECTS):
        add(
            "subject",
            "text-de",
            i,
            text,
            answer,
            persons,
            german_formats[i % len(german_formats)],
            subject=subject,
        )
    cases.extend(_form_cases(c, [nr_for() for _ in range(11)]))
    return cases


def _core(text: str) -> str:
    """The message without its greeting and signature block (a second, terser writer)."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) >= 3:
        return paragraphs[1]
    return text
