"""The app's routes, and a URL for each with made-up or given arguments."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Rule


def url_for_rule(rule: Rule, values: dict[str, Any]) -> str:
    args = {}
    for name in rule.arguments:
        if name in (rule.defaults or {}):
            continue  # the rule gives it itself (``defaults=``), not its URL
        converter = rule._converters[name]
        default = 1 if isinstance(converter, IntegerConverter) else "x"
        args[name] = values.get(name, default)
    url = rule.build(args, append_unknown=False)[1]
    return url


def routes(app: Flask) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
