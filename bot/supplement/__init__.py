"""The year's supplement to a wijk's spiegel: data (`builder`), its outline in the reader's
language (`outline`), and three renderers (`render`: DOCX, HTML for A4, Markdown)."""
