"""The interchange format, pure: reading what Excel writes, typed cells, every problem with its
file and line, formula neutralisation that round-trips."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.transfer.rules import interchange as fmt


def parse(spec, text: str, encoding: str = "utf-8"):
    return fmt.parse_file(spec, text.encode(encoding))


def messages(parsed) -> list[str]:
    return [str(p) for p in parsed.problems]


# --- reading what spreadsheets write ------------------------------------------------------


def test_dutch_excel_file_with_bom_semicolons_and_crlf_is_read():
    text = (
        "employee_number;name;start_date;leave_date\r\n"
        "E1;Zoë Çelik;2019-03-01;\r\n"
        'E2;"de Vries; Henk";1-3-2010;2027-01-01\r\n'
        ";;;\r\n"
    )
    parsed = parse(fmt.PEOPLE, text, "utf-8-sig")
    assert parsed.problems == []
    assert [r.values for r in parsed.rows] == [
        {
            "employee_number": "E1",
            "name": "Zoë Çelik",
            "start_date": date(2019, 3, 1),
            "leave_date": None,
        },
        {
            "employee_number": "E2",
            "name": "de Vries; Henk",
            "start_date": date(2010, 3, 1),
            "leave_date": date(2027, 1, 1),
        },
    ]


def test_comma_file_without_bom_and_only_some_columns():
    parsed = parse(fmt.HOLDINGS, "employee_number,competence,level\nE1,C1,4\n")
    assert parsed.columns == ("employee_number", "competence", "level")
    assert parsed.rows[0].key == ("E1", "C1")
    assert parsed.rows[0].values == {"employee_number": "E1", "competence": "C1", "level": 4}


def test_trailing_empty_cells_are_ignored_but_extra_values_are_not():
    parsed = parse(fmt.COMPETENCES, "code,name\nC1,Een,,\nC2,Twee,x\n")
    assert [r.key for r in parsed.rows] == [("C1",)]
    assert messages(parsed) == [
        "competences.csv:3: This row has 3 cells, but the first line names 2 columns."
    ]


def test_header_names_are_case_and_space_insensitive():
    parsed = parse(fmt.COMPETENCES, " Code , NAME \nC1,Contractmanagement\n")
    assert parsed.problems == []
    assert parsed.rows[0].values == {"code": "C1", "name": "Contractmanagement"}


def test_a_multi_line_cell_keeps_the_line_numbers_of_later_rows_right():
    text = 'code,name,description\nC1,Een,"regel 1\nregel 2\nregel 3"\nC2,,x\n'
    parsed = parse(fmt.COMPETENCES, text)
    assert parsed.rows[0].values["description"] == "regel 1\nregel 2\nregel 3"
    assert messages(parsed) == ["competences.csv:5: name must not be empty."]


def test_text_that_is_not_utf8_is_refused_with_its_line():
    data = "code,name\nC1,Caf\xe9\n".encode("latin-1")
    parsed = fmt.parse_file(fmt.COMPETENCES, data)
    assert messages(parsed) == [
        'competences.csv:2: The file is not UTF-8 text; save it as "CSV UTF-8".'
    ]


def test_an_empty_file_is_refused():
    assert messages(parse(fmt.SERVICES, "\r\n")) == [
        "services.csv:1: The file is empty; its first line must name the columns."
    ]


# --- header problems ----------------------------------------------------------------------


def test_unknown_duplicate_and_missing_key_columns():
    parsed = parse(fmt.REQUIREMENTS, "service,level,rationale,level,rationale\nx,1,a,1,b\n")
    assert messages(parsed) == [
        "requirements.csv:1: Unknown column level; the columns of requirements.csv are: "
        "service, competence, required_level, min_holders, rationale.",
        "requirements.csv:1: Column rationale appears more than once.",
        "requirements.csv:1: The key column competence is missing.",
    ]
    assert parsed.rows == []


def test_rows_are_still_checked_when_the_header_has_an_unknown_column():
    parsed = parse(fmt.HOLDINGS, "employee_number,competence,level,colour\nE1,C1,9,rood\n")
    assert messages(parsed) == [
        "holdings.csv:1: Unknown column colour; the columns of holdings.csv are: "
        "employee_number, competence, level, assessed_on, expires_on, assessed_by, evidence.",
        "holdings.csv:2: level: 9 is not a level; use a whole number from 1 to 5.",
    ]


# --- row problems -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2025-02-30", "start_date: 2025-02-30 is an impossible date."),
        ("31-2-2025", "start_date: 31-2-2025 is an impossible date."),
        ("2025/01/02", "start_date: 2025/01/02 is not a date; write dates as YYYY-MM-DD."),
        ("morgen", "start_date: morgen is not a date; write dates as YYYY-MM-DD."),
        ("20250102", "start_date: 20250102 is not a date; write dates as YYYY-MM-DD."),
    ],
)
def test_bad_dates(cell, message):
    parsed = parse(fmt.PEOPLE, f"employee_number,name,start_date\nE1,Anna,{cell}\n")
    assert messages(parsed) == [f"people.csv:2: {message}"]


@pytest.mark.parametrize("cell", ["0", "6", "-1", "3.5", "drie", "99999"])
def test_levels_outside_one_to_five(cell):
    parsed = parse(fmt.HOLDINGS, f"employee_number,competence,level\nE1,C1,{cell}\n")
    assert messages(parsed) == [
        f"holdings.csv:2: level: {cell} is not a level; use a whole number from 1 to 5."
    ]


def test_min_holders_must_be_at_least_one():
    parsed = parse(fmt.REQUIREMENTS, "service,competence,min_holders\ns,C1,0\ns,C2,100\n")
    assert [p.line for p in parsed.problems] == [2, 3]
    assert "from 1 to 99" in messages(parsed)[0]


def test_booleans_and_choices():
    parsed = parse(fmt.COMPETENCES, "code,name,retired\nA,a,TRUE\nB,b,onwaar\nC,c,misschien\n")
    assert [r.values["retired"] for r in parsed.rows] == [True, False]
    assert messages(parsed) == ["competences.csv:4: retired: misschien is neither true nor false."]
    parsed = parse(fmt.SERVICES, "code,name,criticality,status\nsvc,S,Critical,soon\n")
    assert messages(parsed) == [
        "services.csv:2: status: soon is not one of planned, active, retired."
    ]


def test_empty_cell_of_a_column_with_a_default_means_the_default():
    parsed = parse(fmt.REQUIREMENTS, "service,competence,required_level,min_holders\ns,C,,\n")
    assert parsed.rows[0].values == {
        "service": "s",
        "competence": "C",
        "required_level": 3,
        "min_holders": 2,
    }


@pytest.mark.parametrize(
    ("spec", "header", "row", "message"),
    [
        (
            fmt.PEOPLE,
            "employee_number,name,start_date,leave_date",
            "E1,A,2025-05-01,2025-04-30",
            "leave_date 2025-04-30 is before start_date 2025-05-01.",
        ),
        (
            fmt.SERVICES,
            "code,name,contract_start,contract_end",
            "s,S,2025-01-01,2024-12-31",
            "contract_end 2024-12-31 is before contract_start 2025-01-01.",
        ),
        (
            fmt.ASSIGNMENTS,
            "employee_number,service,start_on,end_on",
            "E1,s,2025-01-02,2025-01-01",
            "end_on 2025-01-01 is before start_on 2025-01-02.",
        ),
        (
            fmt.HOLDINGS,
            "employee_number,competence,level,assessed_on,expires_on",
            "E1,C,3,2025-01-02,2024-01-01",
            "expires_on 2024-01-01 is before assessed_on 2025-01-02.",
        ),
    ],
)
def test_dates_in_the_wrong_order(spec, header, row, message):
    assert messages(parse(spec, f"{header}\n{row}\n")) == [f"{spec.name}:2: {message}"]


def test_equal_dates_are_allowed_like_the_database_allows_them():
    parsed = parse(
        fmt.PEOPLE, "employee_number,name,start_date,leave_date\nE1,A,2025-05-01,2025-05-01\n"
    )
    assert parsed.problems == []


def test_duplicate_keys_name_the_first_line():
    text = "employee_number,competence,level\nE1,C1,3\nE2,C1,3\nE1,C1,4\n"
    parsed = parse(fmt.HOLDINGS, text)
    assert messages(parsed) == ["holdings.csv:4: Duplicate key E1 / C1: it is also on line 2."]
    assert [r.line for r in parsed.rows] == [2, 3]


def test_cell_count_codes_lengths_and_empty_keys():
    text = f"code,name\nnew,Nieuw\nZaak Systeem,Z\nok,O,extra\n,leeg\n{'x' * 81},Lang\n"
    assert messages(parse(fmt.SERVICES, text)) == [
        "services.csv:2: code: new is a reserved word; choose another code.",
        "services.csv:3: code: Zaak Systeem is not a valid service code; use only lowercase "
        "letters, digits and hyphens (for example zaaksysteem-dimpact).",
        "services.csv:4: This row has 3 cells, but the first line names 2 columns.",
        "services.csv:5: code must not be empty.",
        "services.csv:6: code is longer than 80 characters.",
    ]


def test_every_problem_of_a_file_in_one_go():
    text = (
        "employee_number,name,start_date,leave_date\n"
        "E1,Anna,2024-02-30,\nE2,,2024-05-01,2024-04-30\nE1,Dubbel,,\n"
    )
    assert [(p.line, p.message) for p in parse(fmt.PEOPLE, text).problems] == [
        (2, fmt.IMPOSSIBLE_DATE),
        (3, fmt.REQUIRED),
        (4, fmt.DUPLICATE_KEY),
    ]


def test_org_unit_paths_are_normalised():
    parsed = parse(
        fmt.PEOPLE,
        "employee_number,name,org_unit\nE1,A,Directie A/ Afdeling B\nE2,B,Directie A //Team\n",
    )
    assert parsed.rows[0].values["org_unit"] == "Directie A / Afdeling B"
    assert [p.line for p in parsed.problems] == [3]


# --- formulas and writing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-", "'-"),
        ("@x", "'@x"),
        ("'=x", "''=x"),
        ("'s-Hertogenbosch", "'s-Hertogenbosch"),
        ("Jan", "Jan"),
        ("", ""),
    ],
)
def test_escape_neutralises_formulas_and_unescape_restores_them(value, escaped):
    assert fmt.escape(value) == escaped
    assert fmt.unescape(escaped) == value


@given(st.text())
def test_escape_round_trips_any_text(value):
    assert fmt.unescape(fmt.escape(value)) == value
    assert not fmt.escape(value).startswith(tuple(fmt.FORMULA_START))


def test_write_file_writes_every_column_and_reads_back_the_same():
    rows = [
        {
            "code": "A.1",
            "name": "=cmd|' /C calc'!A0",
            "framework": None,
            "area": "Plan; Build",
            "description": 'twee\nregels "quoted"',
            "retired": True,
            "name_en": "+Contract management",
            "description_en": "two\nlines",
        }
    ]
    data = fmt.write_file(fmt.COMPETENCES, rows)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "code,name,framework,area,description,retired,name_en,description_en"
    assert lines[1].startswith("A.1,'=cmd|' /C calc'!A0,,Plan; Build,")
    parsed = fmt.parse_file(fmt.COMPETENCES, data)
    assert parsed.problems == []
    assert parsed.rows[0].values == rows[0]


def test_slug_makes_a_framework_key():
    assert fmt.slug("Coöperatie Dimpact: raamwerk 2.0") == "cooperatie-dimpact-raamwerk-2.0"
    assert fmt.slug("!!!") == "framework"
