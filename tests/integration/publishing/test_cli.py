"""``flask lms status`` and ``flask lms publish``."""

from __future__ import annotations

from sqlalchemy import select

from election.extensions import db
from election.publishing.models import Publication, PublicationStatus
from tests.factories.publishing import (
    certified_election,
    configure_lms,
    published_candidates_election,
)
from tests.support.moodle import GOOD_TOKEN


def test_status_without_publications(runner):
    result = runner.invoke(args=["lms", "status"])
    assert result.exit_code == 0
    assert "No publications yet." in result.output


def test_publish_sends_every_pending_entry_and_status_lists_them(app, runner, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        db.session.commit()

    result = runner.invoke(args=["lms", "publish"])

    assert result.exit_code == 0, result.output
    assert "candidates: created" in result.output
    assert f"{moodle.url}/mod/forum/discuss.php?d=" in result.output
    assert len(moodle.discussions) == 1

    status = runner.invoke(args=["lms", "status"])
    assert status.exit_code == 0
    assert "candidates: sent, attempts 0" in status.output
    assert "Wybory Rady 2026" in status.output
    assert GOOD_TOKEN not in result.output + status.output


def test_publish_with_nothing_pending_says_so(app, runner, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        db.session.commit()
    runner.invoke(args=["lms", "publish"])

    result = runner.invoke(args=["lms", "publish"])

    assert result.exit_code == 0
    assert "Nothing to publish." in result.output
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
    assert "candidates: updated" in result.output
    assert len(moodle.discussions) == 1
    assert len(moodle.calls("mod_forum_update_discussion_post")) == 1


def test_publish_of_an_unknown_election_fails_with_the_reason(runner):
    result = runner.invoke(args=["lms", "publish", "--election", "999"])
    assert result.exit_code == 1
    assert "Nie ma takiej publikacji" in result.output


def test_publish_fails_with_the_reason_when_moodle_refuses(app, runner, moodle):
    with app.app_context():
        configure_lms(moodle.url, token="f" * 32)
        published_candidates_election()
        certified_election()
        db.session.commit()

    result = runner.invoke(args=["lms", "publish"])

    assert result.exit_code == 1
    assert "FAILED" in result.output and "zły, wygasły lub usunięty token" in result.output
    status = runner.invoke(args=["lms", "status"]).output
    assert "failed, attempts 1" in status and "next attempt" in status
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
    assert back.exit_code == 0 and "candidates: created" in back.output
    assert len(moodle.discussions) == 1
    assert GOOD_TOKEN not in down.output + back.output


def test_publish_without_configuration_exits_non_zero(app, runner):
    with app.app_context():
        published_candidates_election()
        db.session.commit()

    result = runner.invoke(args=["lms", "publish"])

    assert result.exit_code == 1
    assert "nie jest skonfigurowane" in result.output


def test_check_reports_the_course_and_forum(app, runner, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        db.session.commit()
    result = runner.invoke(args=["lms", "check"])
    assert result.exit_code == 0, result.output
    assert "Umowy SEKAP" in result.output and "Ogłoszenia" in result.output
    assert GOOD_TOKEN not in result.output

    moodle.rest_enabled = False
    failed = runner.invoke(args=["lms", "check"])
    assert failed.exit_code == 1 and "protokół REST jest wyłączony" in failed.output
