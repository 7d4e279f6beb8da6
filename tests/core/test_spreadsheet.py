"""CSV and XLSX exports: formulas neutralised, UTF-8 with BOM, types kept in XLSX."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from registry.core.spreadsheet import generate_csv, generate_xlsx, neutralise


@pytest.mark.parametrize(
    "text", ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://evil","klik")']
)
def test_formula_like_text_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["Jan de Vries", "a=b", "", " =1", 5, -3, 2.5, None, date(2025, 1, 2)]
)
def test_other_values_are_left_alone(value):
    assert neutralise(value) == value


def test_csv_starts_with_bom_and_round_trips_text():
    data = generate_csv(["naam", "niveau"], [["Zoë Çelik", 4], ["=cmd|' /C calc'!A0", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["naam", "niveau"], ["Zoë Çelik", "4"], ["'=cmd|' /C calc'!A0", ""]]


def test_csv_writes_dates_as_iso_and_booleans_as_words():
    data = generate_csv(["d", "b"], [[date(2025, 3, 1), True]])
    assert data.decode("utf-8-sig").splitlines()[1] == "2025-03-01,true"


def test_xlsx_keeps_numbers_and_dates_and_neutralises_formulas():
    data = generate_xlsx(
        ["service", "level", "until", "note"],
        [["=1+2", 3, date(2025, 6, 30), "ok\x00\x07"]],
        title="Gaps",
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Gaps"
    header, row = list(sheet.iter_rows(values_only=True))
    assert header == ("service", "level", "until", "note")
    assert row[0] == "'=1+2"
    assert row[1] == 3
    assert row[2].date() == date(2025, 6, 30)
    assert row[3] == "ok"
    assert sheet["A2"].data_type == "s"  # text, not a formula
