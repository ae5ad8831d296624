"""Look-alike page dumps: real article text wrapped in the furniture of made-up news sites.

Four site layouts (a US broadcaster flattened to one line, a wire service saved as lines, a
content farm's copy, a Spanish daily flattened to one line) with menus, ad and feedback forms,
video playlists, photo captions and credits, teasers, newsletter and cookie prompts and footer
menus. All furniture text here was written for this project; the article bodies come from the
corpus the caller passes (MEANTIME and ECB+, CC BY). ``render`` returns the page dump and the
article body it contains, so cleaning can be scored against the body.

Run as a script to write the test fixtures of ``tests/data/clean`` from MEANTIME.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


@dataclass(frozen=True)
class Layout:
    """The furniture of one made-up site."""

    name: str
    one_line: bool
    header: tuple[str, ...]
    byline: str
    date: str
    dateline: str
    pre_body: tuple[str, ...]
    captions: tuple[tuple[str, str], ...]
    inserts: tuple[str, ...]
    footer: tuple[str, ...]
    title_suffix: str = ""
    subtitle_copy: bool = False


COURIER = Layout(
    name="courier",
    one_line=True,
    header=(
        "Skip to main content",
        "Valley Courier values your opinion 1. How useful was this ad? 2. Did something go wrong? "
        "The page was slow to respond The video kept buffering The sound was too loud Something else "
        "Cancel Send Thanks! We read every response and use it to make the site better. Close",
        "Advertisement",
        "Home Local Nation World Politics Business Markets Technology Science Health Sports Football "
        "Baseball Basketball Entertainment Movies Music Travel Food Weather Opinion Editorials Letters "
        "Obituaries Classifieds Subscribe Sign In My Account Sign Out",
    ),
    byline="By Maria Lopez and Tom Becker , Valley Courier",
    date="Updated 9:05 AM CST, Wed {date}",
    dateline="SPRINGFIELD (VC) —",
    pre_body=(
        "Share this article Link Copied!",
        "Advertisement",
        "Video Now playing 02:14 Council votes to close the old river bridge Now playing 01:47 "
        "Storm knocks out power across the county Now playing 03:05 What the new budget means for "
        "schools Now playing 00:58 High school team wins state title See More Videos",
    ),
    captions=(
        (
            "Visitors walk past the entrance of the company's main offices on Monday.",
            "Karen Hill/Valley Courier",
        ),
        (
            "A worker checks parts on the assembly line in this file photo taken last spring.",
            "(Photo by Lee Grant / AFP) Lee Grant/AFP/Getty Images",
        ),
        ("Officials speak to reporters after the meeting.", "Sam Ortiz/Valley Courier"),
    ),
    inserts=(
        "Advertisement",
        "Opinion: Why the region should watch this deal closely",
        "Related: Five things to know before the vote",
    ),
    footer=(
        "Advertisement Advertisement",
        "Home Local Nation World Politics Business Markets Technology Science Health Sports "
        "Entertainment Travel Weather Opinion Obituaries Sign In My Account Sign Out",
        "Terms of Service Privacy Policy Cookie Settings Contact Us Careers Advertise With Us",
        "© 2024 Valley Courier Media Group. All Rights Reserved.",
    ),
)

WIRE = Layout(
    name="wire",
    one_line=False,
    header=(
        "Menu",
        "World",
        "Business",
        "Markets",
        "Breakingviews",
        "Technology",
        "Search",
        "Sign In",
    ),
    byline="By Hannah Weiss , GNS",
    date="Published {date} 10:15 AM GMT",
    dateline="LONDON (GNS) -",
    pre_body=("2 minute read",),
    captions=(
        ("Traders work on the floor of the exchange during the morning session.", "GNS/Peter Dunn"),
        ("Employees are seen at the company's plant in this undated handout picture.", "Handout via GNS"),
    ),
    inserts=(
        "Advertisement · Scroll to continue",
        "Read more: Markets brace for a busy week of earnings",
        "Sign up for our Morning Briefing newsletter",
    ),
    footer=(
        "Reporting by Hannah Weiss; Editing by Mark Oduya",
        "Our Standards: The GNS Trust Principles.",
        "Read Next",
        "Markets slip as investors weigh rate outlook",
        "Carmakers face another difficult quarter",
        "We use cookies to give you the best experience on our site. Accept all Reject all Manage cookies",
        "© 2024 Global News Service. All rights reserved.",
    ),
)

FARM = Layout(
    name="farm",
    one_line=False,
    header=(),
    byline="",
    date="",
    dateline="",
    pre_body=(),
    captions=(
        ("Shoppers wait outside a store in the city centre.", ""),
        ("A view of the factory floor is seen from the visitors' gallery.", ""),
    ),
    inserts=("Ten questions the board still has to answer. Here is what we know",),
    footer=("Source link", "Related Posts", "You may also like"),
    title_suffix=" – Daily Market Digest",
    subtitle_copy=True,
)

DIARIO = Layout(
    name="diario",
    one_line=True,
    header=(
        "Ir al contenido",
        "Inicio Nacional Internacional Economía Empresas Mercados Deportes Fútbol Cultura Cine Música "
        "Sociedad Salud Ciencia Tecnología Opinión Editoriales Suscríbete Iniciar sesión",
        "Publicidad",
    ),
    byline="Por Lucía Fernández , Diario del Sur",
    date="Actualizado {date_es}",
    dateline="MADRID (DDS) —",
    pre_body=("Compartir en Facebook Compartir en Twitter",),
    captions=(("Varias personas pasan frente a la sede de la empresa.", "Foto: Ana Ruiz / EFE"),),
    inserts=("Publicidad",),
    footer=(
        "Publicidad",
        "Inicio Nacional Internacional Economía Deportes Cultura Sociedad Opinión Suscríbete",
        "Aviso legal Política de privacidad Política de cookies Contacto",
        "© 2024 Diario del Sur. Todos los derechos reservados.",
    ),
)

TABLOID = Layout(
    name="tabloid",
    one_line=False,
    header=(
        "Sign in",
        "News",
        "Sport",
        "Celebs",
        "TV & Film",
        "Money",
        "Travel",
        "Puzzles",
        "Share this with",
        "Facebook",
        "Twitter",
        "Email",
        "Comments (12)",
    ),
    byline="By Gary Platt",
    date="{date}, 6:02 pm",
    dateline="",
    pre_body=("Updated", "Bookmark"),
    captions=(
        ("The site was busy with visitors all afternoon (Image: Getty)", ""),
        ("Staff gathered outside for the announcement (Image: PA)", ""),
    ),
    inserts=(
        "READ MORE: Shoppers queue overnight for the opening of the new store",
        "Get the biggest stories of the day sent straight to your inbox. Sign up here",
    ),
    footer=(
        "MOST READ",
        "Soap star reveals secret wedding plans",
        "Holiday warning as airports brace for record weekend",
        "Weather: Heatwave to hit within days",
        "Do you have a story to sell? Get in touch at stories@dailybeacon.example",
        "Follow us on Facebook and Twitter",
        "Daily Beacon, part of Beacon Media Ltd. All rights reserved.",
    ),
)

GAZZETTA = Layout(
    name="gazzetta",
    one_line=True,
    header=(
        "Vai al contenuto",
        "Home Cronaca Politica Economia Esteri Sport Calcio Spettacoli Cultura Tecnologia Motori Viaggi "
        "Meteo Abbonati Accedi",
        "Pubblicità",
    ),
    byline="di Giulia Ferri",
    date="{date_it}",
    dateline="",
    pre_body=("Condividi", "Tempo di lettura: 3 minuti"),
    captions=(("Alcune persone davanti all'ingresso della sede.", "Foto: ANSA"),),
    inserts=("Leggi anche: Le borse europee chiudono in rialzo", "Pubblicità"),
    footer=(
        "Pubblicità",
        "Home Cronaca Politica Economia Esteri Sport Spettacoli Cultura Abbonati",
        "Privacy Policy Cookie Policy Note legali Contatti",
        "© 2024 Gazzetta del Nord S.p.A. - P.IVA 01234567890",
    ),
)

WPBLOG = Layout(
    name="wpblog",
    one_line=False,
    header=("Skip to content", "Tech Pulse Weekly", "Home About Archives Contact"),
    byline="Posted by admin",
    date="Posted on {date}",
    dateline="",
    pre_body=(),
    captions=(),
    inserts=('[caption id="attachment_512" align="aligncenter"] Product photo[/caption]',),
    footer=(
        "Share this:",
        "Twitter",
        "Facebook",
        "Like this:",
        "Like Loading...",
        "Related",
        "Posted in News | Tagged business, industry | Leave a comment",
        "← Previous post",
        "Next post →",
        "Blog at WordPress.com.",
    ),
)

LAYOUTS = {layout.name: layout for layout in (COURIER, WIRE, FARM, DIARIO, TABLOID, GAZZETTA, WPBLOG)}
HELD_OUT = ("tabloid", "gazzetta", "wpblog")
"""Layouts written after the cleaner was tuned, kept to measure it on furniture it has not seen."""
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")  # fmt: skip
_MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
              "octubre", "noviembre", "diciembre")  # fmt: skip
_MONTHS_IT = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
              "ottobre", "novembre", "dicembre")  # fmt: skip


def _paragraphs(sentences: list[str], rng: random.Random) -> list[str]:
    paras: list[str] = []
    i = 0
    while i < len(sentences):
        k = rng.choice((1, 2, 2, 3))
        paras.append(" ".join(sentences[i : i + k]))
        i += k
    return paras


def render(layout: Layout, title: str, date: str, sentences: list[str], seed: int = 0) -> tuple[str, str]:
    """A page dump of the article in the layout, and the article body it holds.

    Args:
        layout: the site furniture.
        title: the headline.
        date: ISO date of publication (``2009-03-03``).
        sentences: the article body, sentence by sentence.
        seed: picks paragraph lengths and where captions and teasers go.

    Returns:
        (page dump, body) where the body is the dateline and paragraphs the dump contains.
    """
    rng = random.Random(seed)
    y, m, d = (int(x) for x in date[:10].split("-"))
    en_date = f"{_MONTHS_EN[m - 1]} {d}, {y}"
    es_date = f"{d} de {_MONTHS_ES[m - 1]} de {y}"
    it_date = f"{d} {_MONTHS_IT[m - 1]} {y}"
    paras = _paragraphs(sentences, rng)
    if layout.dateline:
        paras[0] = f"{layout.dateline} {paras[0]}"
    body = "\n\n".join(paras)

    # Captions and teasers go between paragraphs, never before the first or after the last.
    slots = list(range(1, len(paras)))
    rng.shuffle(slots)
    extras: dict[int, list[str]] = {}
    for (caption, credit), slot in zip(layout.captions, slots, strict=False):
        extras.setdefault(slot, []).append(f"{caption} {credit}".strip() if layout.one_line else caption)
        if credit and not layout.one_line:
            extras[slot].append(credit)
    for insert, slot in zip(layout.inserts, slots[len(layout.captions) :], strict=False):
        extras.setdefault(slot, []).append(insert)

    blocks: list[str] = list(layout.header)
    blocks.append(title + layout.title_suffix)
    if layout.subtitle_copy:
        blocks.append(title)
    if layout.byline:
        blocks.append(layout.byline)
    if layout.date:
        blocks.append(layout.date.format(date=en_date, date_es=es_date, date_it=it_date))
    blocks.extend(layout.pre_body)
    for i, para in enumerate(paras):
        blocks.extend(extras.get(i, []))
        blocks.append(para)
    blocks.extend(layout.footer)
    if layout.one_line:
        return " ".join(blocks), body
    return "\n\n".join(blocks), body


def meantime_docs(shared: Path, lang: str = "en") -> list[dict[str, object]]:
    """MEANTIME articles of one language: title, date and body sentences."""
    rows = [json.loads(line) for line in (shared / "corpus" / "meantime" / "meantime_docs.jsonl").open()]
    return [
        {"id": r["doc_id"], "title": r["sentences"][0], "date": r["date"], "sentences": r["sentences"][2:]}
        for r in rows
        if r["lang"] == lang
    ]


def write_fixtures(shared: Path, out: Path) -> None:
    """Write one dump per layout (and its body) from fixed MEANTIME articles."""
    choices = {
        "courier": ("en", 3),
        "wire": ("en", 40),
        "farm": ("en", 75),
        "diario": ("es", 12),
        "tabloid": ("en", 100),
        "gazzetta": ("it", 55),
        "wpblog": ("en", 110),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, (lang, index) in choices.items():
        doc = meantime_docs(shared, lang)[index]
        sentences = [str(x) for x in doc["sentences"]]  # type: ignore[attr-defined]
        dump, body = render(LAYOUTS[name], str(doc["title"]), str(doc["date"]), sentences, seed=index)
        (out / f"{name}.txt").write_text(dump + "\n", encoding="utf-8")
        (out / f"{name}.body.txt").write_text(body + "\n", encoding="utf-8")
        meta = {"source": f"MEANTIME {doc['id']} ({lang})", "title": doc["title"], "date": doc["date"]}
        text = json.dumps(meta, ensure_ascii=False, indent=1) + "\n"
        (out / f"{name}.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--write-fixtures", type=Path, metavar="DIR")
    args = parser.parse_args()
    if args.write_fixtures:
        write_fixtures(args.shared, args.write_fixtures)
