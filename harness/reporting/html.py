"""report.md as one self-contained HTML file: rendered by markdown-it-py (CommonMark plus tables),
every local image inlined as a base64 data URI and the style sheet inlined, so the file opens
offline, mailed or copied on its own, with no request to anywhere."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; }
th { background: #f2f2f2; }
img { max-width: 100%; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""

_IMG = re.compile(r'<img src="([^"]+)"')


def _inline(match: re.Match, folder: Path) -> str:
    src = match.group(1)
    if src.startswith("data:") or "://" in src:
        return match.group(0)
    data = base64.b64encode((folder / src).read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}"'


def render(markdown_text: str, folder: Path, title: str) -> str:
    """The HTML page of `markdown_text`, whose image paths are relative to `folder`."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown_text)
    body = _IMG.sub(lambda m: _inline(m, folder), body)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
            f"<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")
