"""docs/actions.md's request reference is what the models produce (``make docs-contract``)."""

from __future__ import annotations

from pathlib import Path

from tests.contract.conftest import Contract
from widget_server.contract.reference import BEGIN, END, render_reference, replace_section

ACTIONS_MD = Path(__file__).resolve().parents[2] / "docs" / "actions.md"


def test_the_reference_in_the_docs_is_current(contract: Contract) -> None:
    text = ACTIONS_MD.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    expected = replace_section(text, render_reference(contract.document))
    assert text == expected, "docs/actions.md is stale: run `make docs-contract`"


def test_every_v1_operation_and_body_field_is_in_the_reference(contract: Contract) -> None:
    section = render_reference(contract.document)
    for path, operations in contract.document["paths"].items():
        if path.startswith("/v1/"):
            for method in operations:
                assert f"#### `{method.upper()} {path}`" in section
    for name in ("at_period_end", "proration_date", "expected_amount_due", "promotion_code",
                 "make_default", "browser_locales", "return_url", "postal_code"):
        assert f"| `{name}` |" in section, name
