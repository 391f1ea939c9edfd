"""What the award and contest exports share: the HTML templates of their printed
documents, PDF/A-3b with the Chinese fonts embedded (WeasyPrint with Debian's
``fonts-noto-cjk``) and the plain workbook they fill."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("export_templates")),
    autoescape=select_autoescape(["html"]),
)


def pdf_of(template: str, **values: Any) -> bytes:
    """An export template rendered as a printable PDF/A-3b with its fonts embedded."""
    import weasyprint

    html = TEMPLATES.get_template(template).render(**values)
    pdf: bytes = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")
    return pdf


def workbook_of(
    title: str,
    heading: str,
    lead: str,
    columns: list[str],
    rows: list[list[object]],
    footer: str,
    widths: tuple[int, ...] = (),
) -> bytes:
    """One sheet: a heading, a lead line, the columns in bold, the rows, a footer line (the
    hash the rows are checked by)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([lead])
    sheet.append(columns)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append([footer])
    for column, width in zip("ABCDEFGHIJKL", widths, strict=False):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
