"""Two languages in the catalogue: the pure choice of the shown text, the English columns of
competences.csv (CSV and Excel, round trips, old files, limits) and the migration that adds
the English fields."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from registry import create_app
from registry.catalogue.models.competences import Competence
from registry.core.extensions import db
from registry.core.language import Shown, choose, foreign, language_of
from registry.transfer.rules import interchange as fmt
from registry.transfer.services import interchange, workbook
from tests import factories
from tests.data.transfer import run_import


def test_the_english_text_is_chosen_only_for_english_when_there_is_one():
    assert choose("Contractbeheer", "Contract management", "en") == Shown(
        "Contract management", "en"
    )
    assert choose("Contractbeheer", "Contract management", "en_GB").lang == "en"
    assert choose("Contractbeheer", "Contract management", "nl") == Shown("Contractbeheer", "nl")
    assert choose("Contractbeheer", None, "en") == Shown("Contractbeheer", "nl")
    assert choose("Contractbeheer", "  ", "en") == Shown("Contractbeheer", "nl")
    # a description written only in English is shown to everyone, as English
    assert choose(None, "Only English", "nl") == Shown("Only English", "en")
    assert choose(None, None, "en") is None and choose("", "", "nl") is None


def test_a_text_is_foreign_when_its_language_is_not_the_pages():
    assert language_of("en-GB") == "en" and language_of(None) == "nl"
    assert foreign(Shown("Archiefbeheer", "nl"), "en")
    assert not foreign(Shown("Archiefbeheer", "nl"), "nl")
    assert not foreign(None, "en")


# --- competences.csv ------------------------------------------------------------------------


def _competences(text: str) -> dict[str, bytes]:
    return {"competences.csv": text.encode()}


def _stored(code: str) -> Competence:
    db.session.expire_all()
    return db.session.scalars(select(Competence).filter_by(code=code)).one()


def test_the_english_columns_are_imported_and_a_file_without_them_keeps_them(app):
    run_import(
        _competences(
            "code,name,name_en,description_en\n"
            "CM,Contractmanagement,Contract management,Steering by agreements\n"
            "AR,Archiefbeheer,,\n"
        )
    )
    cm = _stored("CM")
    assert (cm.name_en, cm.description_en) == ("Contract management", "Steering by agreements")
    assert _stored("AR").name_en is None
    # an older file, without the columns: the English texts stay as they are
    plan = run_import(_competences("code,name,area\nCM,Contractbeheer,Regie\n"))
    assert plan.counts["competences.csv"].update == 1
    cm = _stored("CM")
    assert (cm.name, cm.name_en) == ("Contractbeheer", "Contract management")
    # an empty cell empties the field, as in every other column
    run_import(_competences("code,name_en\nCM,\n"))
    assert _stored("CM").name_en is None


def test_the_english_columns_have_the_limits_of_the_forms(app):
    plan = interchange.plan_import(
        _competences(f"code,name,name_en\nCM,Contractmanagement,{'x' * 201}\n")
    )
    assert [str(p) for p in plan.problems] == [
        "competences.csv:2: name_en is longer than 200 characters."
    ]
    assert fmt.COMPETENCES.column("description_en").max_length == fmt.LONG_TEXT


def _bilingual_registry():
    framework = factories.make_framework(name="Eigen raamwerk", name_en="Own framework")
    factories.make_competence(
        code="CM",
        name="Contractmanagement",
        name_en="=Contract management",  # neutralised on export, restored on import
        description_en='two\nlines, "quoted"',
        framework=framework,
    )
    factories.make_competence(code="AR", name="Archiefbeheer")
    db.session.commit()


def _empty_catalogue():
    db.session.execute(Competence.__table__.delete())
    db.session.commit()


def test_export_then_import_into_an_empty_database_keeps_the_english_names(app):
    _bilingual_registry()
    files = interchange.export_files()
    header, cm = files["competences.csv"].decode("utf-8-sig").split("\r\n")[:2]
    assert header.endswith(",retired,name_en,description_en")
    _empty_catalogue()
    run_import(files)
    cm = _stored("CM")
    assert (cm.name_en, cm.description_en) == ("=Contract management", 'two\nlines, "quoted"')
    assert interchange.export_files() == files


def test_an_excel_export_and_import_keeps_the_english_names(app):
    _bilingual_registry()
    data = workbook.export_workbook()
    _empty_catalogue()
    run_import(workbook.workbook_sources(data))
    cm = _stored("CM")
    assert (cm.name_en, cm.description_en) == ("=Contract management", 'two\nlines, "quoted"')
    assert _stored("AR").name_en is None


# --- the migration --------------------------------------------------------------------------


def test_migration_0010_adds_and_removes_the_english_fields(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
        }
    )

    def columns(table):
        return {c["name"] for c in inspect(db.engine).get_columns(table)}

    with app.app_context():
        upgrade()
        assert {"name_en", "description_en"} <= columns("frameworks")
        assert {"name_en", "description_en"} <= columns("competences")
        downgrade(revision="0004_actions")
        assert not {"name_en", "description_en"} & (columns("frameworks") | columns("competences"))
        assert "retired" in columns("competences")
        upgrade()
        assert {"name_en", "description_en"} <= columns("competences")
        db.engine.dispose()
