"""``python -m election.verify record.json``: recount a record, print the counts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from election.verify import VerificationError
from election.verify.record import verify_record


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m election.verify record.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            record = json.load(f)
        results = verify_record(record)
    except (OSError, ValueError) as exc:
        print(f"FAILED: cannot read {args[0]}: {exc}")
        return 1
    except VerificationError as exc:
        print(f"FAILED: {exc}")
        return 1
    for result in results:
        print(f"{result.label}: {result.ballots} ballots, {result.seats} seat(s)")
        for name, votes in result.counts:
            print(f"  {votes:6d}  {name}")
    print("OK: every ballot, proof, aggregate and decryption checks out.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
