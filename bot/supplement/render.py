"""The supplement's outline (bot/supplement/outline.py) as a file: an editable DOCX draft
(python-docx; opens in Word and LibreOffice), HTML that prints on A4 (all text escaped), or
Markdown."""

from __future__ import annotations

import io
from html import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from bot.core.i18n import t
from bot.core.text import xml_text
from bot.supplement.builder import SupplementData
from bot.supplement.outline import Block, outline

FORMATS = ("docx", "html", "md")


def filename(data: SupplementData, fmt: str, lang: str) -> str:
    """wijkaanvulling-elsrijk-2026.docx; its first word in the draft's language
    (yearly-supplement-elsrijk-2026.docx)."""
    return f"{t(lang, 'supplement.filename')}-{data.wijk_slug}-{data.year}.{fmt}"


def render(data: SupplementData, lang: str, fmt: str) -> bytes:
    blocks = outline(data, lang)
    if fmt == "docx":
        return render_docx(blocks, lang)
    if fmt == "html":
        return render_html(blocks, lang).encode("utf-8")
    if fmt == "md":
        return render_md(blocks).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}")


def render_docx(blocks: list[Block], lang: str) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.2))
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    document.core_properties.language = "nl-NL" if lang == "nl" else "en-GB"
    for block in blocks:
        # Quotes are people's words as stored: what XML cannot hold would fail the whole file.
        text = xml_text(block.text)
        if block.kind == "title":
            document.add_heading(text, level=0)
            document.core_properties.title = text
        elif block.kind == "h1":
            document.add_heading(text, level=1)
        elif block.kind == "h2":
            document.add_heading(text, level=2)
        elif block.kind == "bullet":
            document.add_paragraph(text, style="List Bullet")
        elif block.kind == "quote":
            paragraph = document.add_paragraph(text, style="Quote")
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        elif block.kind == "note":
            paragraph = document.add_paragraph()
            run = paragraph.add_run(text)
            run.italic = True
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_CSS = """
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "Calibri", "Carlito", "Liberation Sans", sans-serif; font-size: 11pt;
       line-height: 1.4; color: #111; max-width: 174mm; margin: 0 auto; }
h1 { font-size: 20pt; margin: 0 0 6pt; }
h2 { font-size: 14pt; margin: 16pt 0 4pt; border-bottom: 1px solid #999; break-after: avoid; }
h3 { font-size: 12pt; margin: 10pt 0 2pt; break-after: avoid; }
p.note { font-style: italic; color: #444; margin: 2pt 0; }
blockquote { margin: 2pt 0 6pt 8mm; font-style: italic; color: #333; }
ul { margin: 2pt 0 6pt; padding-left: 6mm; }
li, blockquote { break-inside: avoid; }
"""


def render_html(blocks: list[Block], lang: str) -> str:
    title = next((b.text for b in blocks if b.kind == "title"), "")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
    ]
    in_list = False
    for block in blocks:
        text = escape(block.text)
        if block.kind == "bullet":
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f"<li>{text}</li>")
            continue
        if in_list:
            parts.append("</ul>")
            in_list = False
        tag = {"title": "h1", "h1": "h2", "h2": "h3"}.get(block.kind)
        if tag:
            parts.append(f"<{tag}>{text}</{tag}>")
        elif block.kind == "quote":
            parts.append(f"<blockquote>{text}</blockquote>")
        elif block.kind == "note":
            parts.append(f'<p class="note">{text}</p>')
        else:
            parts.append(f"<p>{text}</p>")
    if in_list:
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _md(text: str) -> str:
    # Characters that would make Markdown of a resident's words.
    for char in "\\`*_[]#<>|":
        text = text.replace(char, f"\\{char}")
    return text


def render_md(blocks: list[Block]) -> str:
    lines: list[str] = []
    prefix = {"title": "# ", "h1": "## ", "h2": "### ", "bullet": "- ", "quote": "> "}
    for block in blocks:
        text = _md(block.text)
        if block.kind == "note":
            text = f"*{text}*"
        if block.kind in ("title", "h1", "h2") and lines and lines[-1] != "":
            lines.append("")
        lines.append(prefix.get(block.kind, "") + text)
        if block.kind in ("title", "h1", "h2", "p", "note", "quote"):
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
