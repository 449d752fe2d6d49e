"""One home for KPI labels: every KPI key has a label, every label names a key, and the faces read them."""

from __future__ import annotations

import pytest

from kaicity import kpi_keys
from kaicity.kpi_labels import COMPARISON_LABELS, SHARE, is_share, kpi_label, kpi_text, labels


def test_every_kpi_key_pattern_has_a_label() -> None:
    missing = [p for p in kpi_keys.PATTERNS if p not in labels()]
    assert not missing, f"KPI keys without a label (add them to kaicity/kpi_labels.py): {missing}"


def test_every_label_names_a_kpi_key() -> None:
    stray = [p for p in labels() if p not in kpi_keys.PATTERNS]
    assert not stray, f"labels of keys kaicity/kpi_keys.py does not know: {stray}"
    assert not [k for k in COMPARISON_LABELS if kpi_keys.is_kpi_key(k)], "a comparison-only label shadows a run KPI"


def test_every_concrete_key_has_a_distinct_filled_label() -> None:
    keys = [k for k in kpi_keys._examples() if "*" not in k]
    assert all("{" not in kpi_label(k).name and "}" not in kpi_label(k).name for k in keys)
    by_name: dict[tuple[str, str], list[str]] = {}
    for k in keys:
        by_name.setdefault((kpi_label(k).name, kpi_label(k).unit), []).append(k)
    clashes = {n: ks for n, ks in by_name.items() if len(ks) > 1}
    assert not clashes, clashes


def test_labels_are_sound() -> None:
    for pattern, lab in labels().items():
        assert lab.better in (-1, 0, 1), pattern
        assert lab.digits >= 0 and lab.description.endswith("."), pattern
        assert lab.name == lab.name.strip() and "(" not in lab.unit, pattern


@pytest.mark.parametrize(("key", "text"), [
    ("by_group.elderly.time_to_service_min.mean", "elderly: time to service, mean (min)"),
    ("by_group.non_elderly.met_share", "non-elderly: needs met"),
    ("overall.forgone_by_reason.no_facility", "needs forgone: no facility"),
    ("access.by_zone.rural.effective_index", "rural: needs met within 15 min, any channel"),
    ("cost.per_met_need", "cost per met need (KRW)"),
])
def test_placeholders_and_units_are_filled_in(key: str, text: str) -> None:
    assert kpi_text(key) == text


def test_a_share_shows_the_unit_it_is_given() -> None:
    assert kpi_label("overall.met_share").unit == SHARE and is_share("overall.met_share")
    assert kpi_text("overall.met_share", "pp") == "needs met (pp)"
    assert kpi_text("overall.time_to_service_min.mean", "pp") == "time to service, mean (min)"
    assert not is_share("cost.total")


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(KeyError, match="overall.met_sahre"):
        kpi_label("overall.met_sahre")


def test_the_faces_read_their_labels_from_the_registry() -> None:
    from kaicity.decompose.factorial import DECOMPOSED_KPIS
    from kaicity.plots.replicates import DIFF_KPIS
    from kaicity.report.budget import BUDGET_KPIS
    from kaicity.report.comparison import HEADLINE
    from kaicity.report.losses import JUDGED

    for key, text, pct in [*DECOMPOSED_KPIS, *BUDGET_KPIS]:
        assert (text, pct) == (kpi_text(key), is_share(key))
    for key, text, fmt in HEADLINE:
        assert text == kpi_text(key) and (fmt is True) == is_share(key)
    for key, text, sign, _ in JUDGED:
        assert text == kpi_text(key) and sign == -kpi_label(key).better != 0
    for key, text, pct in DIFF_KPIS:
        assert (text, pct) == (kpi_text(key, "pp"), is_share(key))
