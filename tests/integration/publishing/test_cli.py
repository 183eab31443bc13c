"""``flask lms status`` and ``flask lms publish``: Polish output, English on request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from election.config import from_environment
from election.extensions import db
from election.publishing.models import Publication, PublicationStatus
from tests.factories.publishing import (
    certified_election,
    configure_lms,
    published_candidates_election,
)
from tests.support.moodle import GOOD_TOKEN, flask_process_env
from tests.support.web import ROOT


def test_status_without_publications(runner):
    result = runner.invoke(args=["lms", "status"])
    assert result.exit_code == 0
    assert result.output == "Nie ma jeszcze żadnych publikacji.\n"


def test_publish_sends_every_pending_entry_and_status_lists_them(app, runner, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        db.session.commit()

    result = runner.invoke(args=["lms", "publish"])

    assert result.exit_code == 0, result.output
    assert "lista kandydatów: opublikowano (kurs „Umowy SEKAP”)" in result.output
    assert f"{moodle.url}/mod/forum/discuss.php?d=" in result.output
    assert len(moodle.discussions) == 1

    status = runner.invoke(args=["lms", "status"])
    assert status.exit_code == 0
    assert "Wybory Rady 2026 (wybory " in status.output
    assert "lista kandydatów: opublikowano" in status.output
    assert "wpis: http" in status.output and "wysłano: " in status.output
    assert GOOD_TOKEN not in result.output + status.output


def test_publish_with_nothing_pending_says_so(app, runner, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        db.session.commit()
    runner.invoke(args=["lms", "publish"])

    result = runner.invoke(args=["lms", "publish"])

    assert result.exit_code == 0
    assert result.output == "Nie ma nic do wysłania.\n"
    assert len(moodle.discussions) == 1


def test_publish_election_republishes_its_entries_as_updates(app, runner, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        election = published_candidates_election()
        db.session.commit()
        election_id = election.id
    runner.invoke(args=["lms", "publish"])

    result = runner.invoke(args=["lms", "publish", "--election", str(election_id)])

    assert result.exit_code == 0, result.output
    assert "lista kandydatów: zaktualizowano" in result.output
    assert len(moodle.discussions) == 1
    assert len(moodle.calls("mod_forum_update_discussion_post")) == 1


def test_publish_of_an_unknown_election_fails_with_the_reason(runner):
    result = runner.invoke(args=["lms", "publish", "--election", "999"])
    assert result.exit_code == 1
    assert result.output == "Błąd: Nie ma takiej publikacji.\n"


def test_publish_fails_with_the_reason_when_moodle_refuses(app, runner, moodle):
    with app.app_context():
        configure_lms(moodle.url, token="f" * 32)
        published_candidates_election()
        certified_election()
        db.session.commit()

    result = runner.invoke(args=["lms", "publish"])

    assert result.exit_code == 1
    assert "nie wysłano" in result.output and "zły, wygasły lub usunięty token" in result.output
    status = runner.invoke(args=["lms", "status"]).output
    assert "błąd — ponowi" in status and "nieudane próby: 1" in status
    assert "następna próba:" in status and "Błąd: Moodle odrzucił token" in status
    assert "f" * 32 not in result.output + status
    with app.app_context():
        statuses = set(db.session.scalars(select(Publication.status)))
        assert statuses == {PublicationStatus.FAILED}


def test_publish_fails_when_moodle_is_down_and_succeeds_when_it_is_back(app, runner, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        db.session.commit()
    moodle.stop()

    down = runner.invoke(args=["lms", "publish"])
    moodle.start()
    back = runner.invoke(args=["lms", "publish"])

    assert down.exit_code == 1 and "Nie można połączyć się z Moodle" in down.output
    assert back.exit_code == 0 and "lista kandydatów: opublikowano" in back.output
    assert len(moodle.discussions) == 1
    assert GOOD_TOKEN not in down.output + back.output


def test_publish_without_configuration_exits_non_zero(app, runner):
    with app.app_context():
        published_candidates_election()
        db.session.commit()

    result = runner.invoke(args=["lms", "publish"])

    assert result.exit_code == 1
    assert "nie jest skonfigurowane" in result.output


def test_no_english_log_line_reaches_the_polish_output(app, moodle):
    """A real ``flask lms publish`` process (pytest's own log capture would hide the
    problem here): the client logs each failure in English, the output stays Polish."""
    with app.app_context():
        configure_lms(moodle.url, token="f" * 32)
        published_candidates_election()
        db.session.commit()
        url = app.config["SQLALCHEMY_DATABASE_URI"]

    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "lms", "publish"],
        cwd=ROOT,
        env=flask_process_env(url),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "nie wysłano. Moodle odrzucił token" in output
    assert "failed" not in output and "HTTP 200" not in output and "Moodle core_" not in output
    assert "f" * 32 not in output


def test_lang_en_answers_in_english(app, runner):
    nothing = runner.invoke(args=["lms", "publish", "--lang", "en"])
    unknown = runner.invoke(args=["lms", "publish", "--election", "999", "--lang", "en"])

    assert nothing.output == "There is nothing to send.\n"
    assert unknown.exit_code == 1
    assert unknown.output == "Error: There is no such publication.\n"


def test_an_english_shell_gets_english_and_lang_pl_overrides_it(app, runner, monkeypatch):
    assert from_environment(app.instance_path, {"LANG": "en_GB.UTF-8"})["CLI_LANGUAGE"] == "en"
    assert from_environment(app.instance_path, {"LANG": "pl_PL.UTF-8"})["CLI_LANGUAGE"] == "pl"
    assert from_environment(app.instance_path, {"LANG": "C.UTF-8"})["CLI_LANGUAGE"] == "pl"
    assert (
        from_environment(app.instance_path, {"LANG": "pl_PL.UTF-8", "LC_ALL": "en_US.UTF-8"})[
            "CLI_LANGUAGE"
        ]
        == "en"
    )
    monkeypatch.setitem(app.config, "CLI_LANGUAGE", "en")

    english = runner.invoke(args=["lms", "publish"])
    polish = runner.invoke(args=["lms", "publish", "--lang", "pl"])

    assert english.output == "There is nothing to send.\n"
    assert polish.output == "Nie ma nic do wysłania.\n"


def test_every_lms_command_takes_lang(runner):
    for command in ("status", "publish", "check", "worker"):
        result = runner.invoke(args=["lms", command, "--help"])
        assert "--lang [en|pl]" in result.output, command
