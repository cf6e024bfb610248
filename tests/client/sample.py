"""The small worksheet the client-page tests assign: six items, one of them required."""

from pathlib import Path

from clinic.worksheets.loader import load_file

SAMPLE = load_file(Path(__file__).with_name("sample-worksheet.yaml"))
