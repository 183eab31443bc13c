"""The OpenAPI file documents every public API path the app serves, and nothing it does not."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OPENAPI = ROOT / "docs" / "openapi.yaml"

#: Documented paths that another feature has not implemented yet. Each must leave this set
#: as soon as it is served (the test says so), so the set only ever shrinks.
EXPECTED_MISSING: frozenset[str] = frozenset()

#: The five endpoints of DESIGN.md section 7, the election record (issue 13) and the
#: Council over its term (issue 14): the contract the file must cover.
DESIGN_PATHS = {
    "/api/v1/elections/{id}/council",
    "/api/v1/elections/{id}/record.json",
    "/api/v1/elections",
    "/api/v1/elections/{id}/candidates",
    "/api/v1/elections/{id}/results",
    "/api/v1/elections/{id}/receipts",
    "/api/v1/elections/{id}/protocol.pdf",
}


def documented_paths() -> list[str]:
    """The keys of the top-level ``paths:`` mapping (two-space indented, as written)."""
    text = OPENAPI.read_text(encoding="utf-8")
    assert text.startswith("openapi: 3.1"), "docs/openapi.yaml must be OpenAPI 3.1"
    section = text.split("\npaths:\n", 1)[1]
    section = re.split(r"\n(?=\S)", section, maxsplit=1)[0]
    return re.findall(r"^  (/\S*):\s*$", section, flags=re.MULTILINE)


def shape(path: str) -> str:
    """A path with its parameters blanked: ``/a/<int:x>/b`` and ``/a/{id}/b`` → ``/a/{}/b``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def served_api_paths(app) -> set[str]:
    return {
        shape(rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and "GET" in (rule.methods or set())
    }


def test_the_file_documents_the_endpoints_of_the_design_and_the_record():
    documented = documented_paths()
    assert len(documented) == len(set(documented)), "a path is documented twice"
    assert set(documented) == DESIGN_PATHS


def test_every_documented_path_exists_in_the_app(app):
    served = served_api_paths(app)
    missing = {p for p in documented_paths() if shape(p) not in served}
    print(f"documented but not served yet (expected): {sorted(EXPECTED_MISSING)}")
    print(f"documented but not served: {sorted(missing)}")
    assert missing <= EXPECTED_MISSING, f"documented paths the app does not serve: {missing}"
    landed = {p for p in EXPECTED_MISSING if shape(p) in served}
    assert not landed, f"now served; remove from EXPECTED_MISSING: {sorted(landed)}"


def test_every_served_api_path_is_documented(app):
    documented = {shape(p) for p in documented_paths()}
    undocumented = served_api_paths(app) - documented
    assert not undocumented, f"API paths missing from docs/openapi.yaml: {sorted(undocumented)}"


def test_every_endpoint_with_an_id_documents_its_json_404():
    text = OPENAPI.read_text(encoding="utf-8")
    for path in DESIGN_PATHS - {"/api/v1/elections"}:
        block = text.split(f"\n  {path}:\n", 1)[1].split("\n  /", 1)[0]
        assert '"404":' in block and "#/components/responses/NotFound" in block, path
    assert "required: [error, message]" in text
