"""Counting a secret round at scale, and the standalone verifier on a real record.

    .venv/bin/python -m benchmarks.tally_at_scale --db sqlite
    .venv/bin/python -m benchmarks.tally_at_scale --db postgresql
    .venv/bin/python -m benchmarks.tally_at_scale --ballots 2000 --record-ballots 100  # smoke

Part 1 — counting: one round of gminy with 4 candidates and 2 seats, ``--ballots``
Partners on the roll, each with a roll mark and an encrypted ballot, bulk-inserted outside
the web layer (not timed). The ciphertexts are true encryptions of random valid ballots
under the election's key, made cheaply (each position's randomness steps by one from
ballot to ballot, so a ciphertext costs two or three point additions instead of two
scalar multiplications); their proofs are random bytes — counting does not read proofs
(the box is checked against the digest the chain recorded at closing; the proofs were
checked when each ballot was cast). Then the round is closed and counted with the
server's key (``tally.counting.count_round``: read the box and check its digest, sum
every position, decrypt each sum with a proof, find the counts, store), timed whole and
in parts.

Part 2 — the verifier: ``--record-ballots`` real ballots (``crypto.encrypt_ballot``, with
every proof), counted the same way; the election record (``record.json``) is written and
``python -m election.verify record.json`` is timed as a citizen would run it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import common

CANDIDATES = 4
SEATS = 2


def _codes(n: int) -> list[str]:
    """``n`` distinct tracking codes in the app's format."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    codes: set[str] = set()
    while len(codes) < n:
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.add(f"{raw[:5]}-{raw[5:]}")
    return list(codes)


def _ballots(n: int, rng: random.Random) -> list[list[int]]:
    """Random valid ballots: 0…SEATS marks over the candidates (in position order)."""
    out = []
    for _ in range(n):
        chosen = set(rng.sample(range(CANDIDATES), rng.randint(0, SEATS)))
        out.append([int(c in chosen) for c in range(CANDIDATES)])
    return out


def _column(public_key: bytes, values: list[int]) -> list[tuple[bytes, bytes]]:
    """Encryptions of ``values`` (0/1) under ``public_key``: (A, B) with r stepping by one,
    so each costs two or three additions (libsodium through PyNaCl's cffi module)."""
    from nacl._sodium import ffi, lib

    from election.crypto import random_scalar
    from election.verify import G, base, mul

    r = random_scalar()
    a = ffi.new("unsigned char[]", base(r))
    rb = ffi.new("unsigned char[]", mul(r, public_key))
    b = ffi.new("unsigned char[]", 32)
    out = []
    for v in values:
        lib.crypto_core_ed25519_add(a, a, G)
        lib.crypto_core_ed25519_add(rb, rb, public_key)
        if v:
            lib.crypto_core_ed25519_add(b, rb, G)
            out.append((ffi.buffer(a, 32)[:], ffi.buffer(b, 32)[:]))
        else:
            out.append((ffi.buffer(a, 32)[:], ffi.buffer(rb, 32)[:]))
    return out


def seed_round(app: Any, n: int, *, real: bool, offset: int) -> tuple[int, int, list[list[int]]]:
    """An election in voting with one open round of gminy: ``n`` Partners on the roll,
    each with a roll mark and an encrypted ballot (TERYT codes from ``offset`` on).
    Returns the election id, round id and the ballots' marks (to check the count)."""
    from sqlalchemy import insert

    from election import crypto
    from election.access import Role
    from election.elections import custody
    from election.elections.models import Channel, RollEntry
    from election.extensions import db
    from election.partners.models import Partner, PartnerGroup
    from election.voting.models import EncryptedBallot, RollMark
    from tests import factories

    group = PartnerGroup.GMINA
    rng = random.Random(7)
    with app.app_context():
        session = db.session
        election = factories.make_election("voting", seats_gmina=SEATS)
        factories.adopt_rules(election)
        tag = f"{offset:07d}"
        session.execute(
            insert(Partner.__table__),
            [
                {
                    "name": f"Partner {tag} {i}",
                    "teryt": f"{offset + i:07d}",
                    "group": group,
                    "kind": "",
                    "active": True,
                    "agreement_signed_on": dt.date(2015, 1, 1),
                    "created_at": factories_now(),
                }
                for i in range(n)
            ],
        )
        partners = session.execute(
            db.select(Partner.id, Partner.name, Partner.teryt).where(
                Partner.name.like(f"Partner {tag} %")
            )
        ).all()
        session.execute(
            insert(RollEntry.__table__),
            [
                {
                    "election_id": election.id,
                    "partner_id": pid,
                    "group": group,
                    "partner_name": name,
                    "teryt": teryt,
                }
                for pid, name, teryt in partners
            ],
        )
        people = [
            factories.make_partner(group, name=f"Kandydat {tag} {k}", teryt=f"9{offset + k:06d}")
            for k in range(CANDIDATES)
        ]
        candidates = [
            factories.make_candidate(election, p, f"Kandydat{k} Nazwisko{tag}")
            for k, p in enumerate(people)
        ]
        round_ = factories.make_round(election, group, candidates, seats=SEATS)
        voter = factories.make_user(Role.PARTNER_REP, partner=people[0], password=None)
        now = factories_now()
        session.execute(
            insert(RollMark.__table__),
            [
                {
                    "round_id": round_.id,
                    "partner_id": pid,
                    "channel": Channel.ONLINE,
                    "cast_by_id": voter.id,
                    "voted_at": now,
                }
                for pid, _name, _teryt in partners
            ],
        )
        marks = _ballots(n, rng)
        context = custody.context(custody.key_of(session, election), round_.id)
        if real:
            rows = []
            for m in marks:
                sealed = crypto.encrypt_ballot(context, SEATS, m)
                rows.append(
                    {
                        "id": secrets.token_hex(16),
                        "round_id": round_.id,
                        "tracking_code": sealed.tracking_code,
                        "ciphertexts": b"".join(b"".join(p) for p in sealed.ciphertexts),
                        "proof": b"".join(sealed.proof),
                    }
                )
        else:
            positions = [[int(not any(m)) for m in marks]] + [
                [m[k] for m in marks] for k in range(CANDIDATES)
            ]
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                columns = list(pool.map(lambda v: _column(context.public_key, v), positions))
            filler = bytes(128)  # c₀, c₁, z₀, z₁ of each 0/1 proof: not read by counting
            codes = _codes(n)
            rows = [
                {
                    "id": secrets.token_hex(16),
                    "round_id": round_.id,
                    "tracking_code": codes[i],
                    "ciphertexts": b"".join(col[i][0] + col[i][1] + filler for col in columns),
                    "proof": os.urandom(64 * SEATS),
                }
                for i in range(n)
            ]
        for start in range(0, n, 20_000):
            session.execute(insert(EncryptedBallot.__table__), rows[start : start + 20_000])
        session.commit()
        return election.id, round_.id, marks


def factories_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def close_and_time_count(app: Any, round_id: int, marks: list[list[int]]) -> dict[str, float]:
    """Close the round (recording its digest), then count it, timed; the counts checked."""
    from election.audit.service import Actor
    from election.elections.custody import KeyStore
    from election.extensions import db
    from election.tally import counting
    from election.tally.models import CandidateResult, RoundTally
    from election.voting.models import Round
    from tests.factories.tally import close

    with app.app_context():
        session = db.session
        round_ = session.get_one(Round, round_id)
        close(round_)
        session.commit()
        keys = KeyStore(app.instance_path)
        cpu, wall = time.process_time(), time.perf_counter()
        tally = counting.count_round(session, Actor.system("bench"), round_, keys)
        session.commit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert tally is not None and tally.valid, "the round was not counted"
        votes = {
            r.candidate_id: r.votes
            for r in session.scalars(
                db.select(CandidateResult).where(CandidateResult.round_id == round_id)
            )
        }
        expected = [sum(m[k] for m in marks) for k in range(CANDIDATES)]
        assert sorted(votes) and [votes[c] for c in sorted(votes)] == expected, (votes, expected)
        assert session.get_one(RoundTally, round_id).blank == sum(1 for m in marks if not any(m))
        return {"count_round_wall": wall, "count_round_cpu": cpu}


def time_parts(app: Any, round_id: int, compare: bool) -> dict[str, float]:
    """The count's parts on the counted round: reading the box (with its digest check),
    the sums (new and, with ``compare``, the former per-column threading), the decryption."""
    from concurrent.futures import ThreadPoolExecutor as Pool

    from election import crypto
    from election.elections import custody
    from election.elections.custody import KeyStore
    from election.extensions import db
    from election.tally.decryption import read_box, width
    from election.verify import total
    from election.voting.models import Round

    found: dict[str, float] = {}
    with app.app_context():
        session = db.session
        round_ = session.get_one(Round, round_id)
        start = time.perf_counter()
        ballots, columns = read_box(session, round_)
        found["read_box"] = time.perf_counter() - start
        found["additions"] = sum(len(c) for c in columns)
        cpu, start = time.process_time(), time.perf_counter()
        sums = crypto.aggregate(columns)
        found["aggregate"] = time.perf_counter() - start
        found["aggregate_cpu"] = time.process_time() - cpu
        if compare:
            start = time.perf_counter()
            with Pool(max_workers=min(4, os.cpu_count() or 1)) as pool:
                before = list(pool.map(total, columns))
            found["aggregate_before"] = time.perf_counter() - start
            assert before == sums
        key = custody.key_of(session, custody_election(session, round_))
        context = custody.context(key, round_.id)
        secret = KeyStore(app.instance_path).read_key(key.election_id)
        positions = width(round_)
        start = time.perf_counter()
        counts = []
        for j in range(positions):
            share = crypto.decryption_share(context, j, "server", secret, sums[j])
            counts.append(crypto.count(sums[positions + j], crypto.combine([share]), ballots))
        found["decryption"] = time.perf_counter() - start
        found["counts"] = counts
    return found


def custody_election(session: Any, round_: Any) -> Any:
    from election.elections.models import Election

    return session.get_one(Election, round_.election_id)


def time_verifier(app: Any, election_id: int, folder: Path) -> dict[str, float]:
    """Write the election record and time ``python -m election.verify`` on it."""
    from election.elections.models import Election
    from election.extensions import db
    from election.tally import record
    from election.verify.record import verify_record

    with app.app_context():
        document = record.election_record(db.session, db.session.get_one(Election, election_id))
    path = folder / "record.json"
    path.write_text(json.dumps(document))
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "election.verify", str(path)],
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    assert result.returncode == 0, result.stdout + result.stderr
    cpu = time.process_time()
    verify_record(json.loads(path.read_text()))
    return {
        "verify_wall": wall,
        "verify_cpu_in_process": time.process_time() - cpu,
        "record_mb": path.stat().st_size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--record-ballots", type=int, default=2_000)
    parser.add_argument("--no-compare", action="store_true", help="skip the former aggregate")
    args = parser.parse_args()

    load_before = common.load_average()
    database = common.fresh_database(args.db, name="bench_tally")
    os.environ.update(common.app_env(database))
    from election import create_app

    folder = Path(tempfile.mkdtemp(prefix="bench-tally-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "INSTANCE_PATH": str(folder)})

    start = time.perf_counter()
    _election, round_id, marks = seed_round(app, args.ballots, real=False, offset=0)
    seeded = time.perf_counter() - start
    counted = close_and_time_count(app, round_id, marks)
    parts = time_parts(app, round_id, compare=not args.no_compare)
    load_count = common.load_average()

    start = time.perf_counter()
    record_election, record_round, record_marks = seed_round(
        app, args.record_ballots, real=True, offset=args.ballots + 10
    )
    close_and_time_count(app, record_round, record_marks)
    record_seeded = time.perf_counter() - start
    verified = time_verifier(app, record_election, folder)

    rows = [
        ("setup: bulk insert (not a target)", f"{seeded:.1f} s"),
        (
            f"count_round, {args.ballots:,} ballots, {1 + CANDIDATES} positions",
            f"{counted['count_round_wall']:.2f} s wall, {counted['count_round_cpu']:.2f} s CPU "
            "(target < 10 s)",
        ),
        ("  read the box + digest check", f"{parts['read_box']:.2f} s"),
        (
            f"  aggregate ({parts['additions']:,.0f} point additions, threads)",
            f"{parts['aggregate']:.2f} s wall, {parts['aggregate_cpu']:.2f} s CPU "
            f"({parts['aggregate_cpu'] / parts['additions'] * 1e6:.1f} µs CPU per addition)",
        ),
    ]
    if "aggregate_before" in parts:
        rows.append(
            ("  aggregate as before (PyNaCl wrapper)", f"{parts['aggregate_before']:.2f} s")
        )
    rows += [
        ("  decryption (shares + discrete logs)", f"{parts['decryption']:.2f} s"),
        ("  counts (blank, candidates)", str(parts["counts"])),
        ("load average before / after counting", f"{load_before} / {load_count}"),
        (f"setup: {args.record_ballots:,} real ballots, counted", f"{record_seeded:.1f} s"),
        (
            "python -m election.verify record.json",
            f"{verified['verify_wall']:.1f} s wall ({verified['record_mb']:.1f} MB; "
            f"in-process {verified['verify_cpu_in_process']:.1f} s CPU) (target < 60 s)",
        ),
        ("load average at the end", common.load_average()),
    ]
    common.print_table(f"Counting a secret round on {database.kind}", rows)


if __name__ == "__main__":
    main()
