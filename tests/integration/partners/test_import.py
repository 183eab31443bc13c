import io
from pathlib import Path

from sqlalchemy import func, select

from election.extensions import db
from election.partners import service
from election.partners.models import Partner, PartnerGroup
from tests.factories import PASSWORD, SYSTEM, make_user
from tests.support.web import ROOT, login, post_form

TERC = ROOT / "data" / "terc-slaskie.csv"
SHARED_TERC = ROOT.parent / "shared" / "data" / "terc-slaskie.csv"


def count() -> int:
    return db.session.scalar(select(func.count(Partner.id)))


def test_the_official_register_file_imports_as_it_is(ctx):
    source = SHARED_TERC if SHARED_TERC.exists() else TERC
    report = service.import_csv(db.session, SYSTEM, source.read_bytes())
    assert report.ok and report.applied
    assert len(report.added) == 184
    groups = service.counts_by_group(db.session)
    assert groups == {PartnerGroup.GMINA: 148, PartnerGroup.POWIAT: 17, PartnerGroup.MIASTO_NPP: 19}


def test_a_powiat_is_named_in_full_not_by_the_registers_adjective(ctx):
    data = (
        "group,teryt,name\npowiat,2401,będziński\npowiat,2402,Powiat bielski\n"
        "gmina,2401011,Będzin\n"
    ).encode()
    service.import_csv(db.session, SYSTEM, data)
    names = dict(db.session.execute(select(Partner.teryt, Partner.name)).all())
    assert names == {"2401": "Powiat będziński", "2402": "Powiat bielski", "2401011": "Będzin"}
    # The same file again finds nothing to change.
    again = service.import_csv(db.session, SYSTEM, data, dry_run=True)
    assert not again.updated and again.unchanged == 3


def test_a_powiat_added_by_hand_is_named_in_full(ctx):
    partner = service.save(
        db.session,
        SYSTEM,
        partner=None,
        name="  cieszyński ",
        teryt="2403",
        group=PartnerGroup.POWIAT,
        agreement_signed_on=None,
        active=True,
        email=None,
    )
    assert partner.name == "Powiat cieszyński"


def test_reimporting_the_same_file_changes_nothing(ctx):
    service.import_csv(db.session, SYSTEM, TERC.read_bytes())
    db.session.commit()
    report = service.import_csv(db.session, SYSTEM, TERC.read_bytes())
    assert report.applied and not report.added and not report.updated
    assert report.unchanged == 184


def test_a_changed_name_is_reported_as_an_update(ctx):
    service.import_csv(db.session, SYSTEM, b"group,teryt,name\ngmina,2401011,Bedzin\n")
    report = service.import_csv(
        db.session, SYSTEM, b"group,teryt,name\ngmina,2401011,B\xc4\x99dzin\n", dry_run=True
    )
    assert [r.teryt for r in report.updated] == ["2401011"]
    assert not report.applied


def test_one_bad_row_means_nothing_is_written(ctx):
    data = TERC.read_bytes() + b"gmina,2401019,Nieistniejaca,gmina,2401,x,2024-01-01\n"
    report = service.import_csv(db.session, SYSTEM, data)
    assert not report.ok and not report.applied
    assert report.errors[0].line == 186
    assert count() == 0


def test_cli_imports_and_reports(runner, ctx):
    result = runner.invoke(args=["partners", "import", str(TERC)])
    assert result.exit_code == 0, result.output
    assert "184 added" in result.output
    again = runner.invoke(args=["partners", "import", str(TERC)])
    assert "0 added, 0 updated, 184 unchanged" in again.output


def test_cli_lists_bad_rows_and_exits_non_zero(runner, ctx, tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("group;teryt;name\ngmina;2401011;Będzin\npowiat;12345;x\n", encoding="cp1250")
    result = runner.invoke(args=["partners", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 3" in result.output
    assert count() == 0


def _admin_client(client):
    with client.application.app_context():
        make_user()
        user = make_user(email="importer@example.pl")
        db.session.commit()
        email = user.email
    login(client, email, PASSWORD)
    return client


def test_upload_page_previews_then_imports(client, app):
    _admin_client(client)
    preview = post_form(client, "/admin/partners/import", {"file": (TERC.open("rb"), "terc.csv")})
    assert preview.status_code == 200
    assert "Zostanie dodanych: 184" in preview.get_data(as_text=True)
    with app.app_context():
        assert count() == 0
    done = post_form(
        client, "/admin/partners/import", {"file": (TERC.open("rb"), "terc.csv"), "confirm": "y"}
    )
    assert done.status_code == 302
    with app.app_context():
        assert count() == 184


def test_upload_of_a_non_csv_file_is_refused_with_a_message(client, app):
    _admin_client(client)
    response = post_form(
        client,
        "/admin/partners/import",
        {"file": (io.BytesIO(b"%PDF-1.4\x00\x01binary"), "x.pdf"), "confirm": "y"},
    )
    assert response.status_code == 400
    assert "nic nie zapisano" in response.get_data(as_text=True)


def test_upload_of_20_megabytes_is_refused_not_crashed(client, app):
    _admin_client(client)
    big = io.BytesIO(b"group,teryt,name\n" + b"gmina,2401011,x\n" * (20 * 1024 * 1024 // 16))
    response = post_form(client, "/admin/partners/import", {"file": (big, "big.csv")})
    assert response.status_code == 413
    assert "za duży" in response.get_data(as_text=True)
    with app.app_context():
        assert count() == 0
