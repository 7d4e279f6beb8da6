"""The select fields' labels (core.templating.LABELS: core knows no feature) name exactly the
choices the owning feature's rules declare, in the same order: the form offers what the model,
the API schema and the interchange accept."""

import pytest

from registry.catalogue import rules as catalogue_rules
from registry.core.templating import LABELS
from registry.gaps.rules import gaps as gap_rules
from registry.mitigations import rules as mitigation_rules


@pytest.mark.parametrize(
    ("kind", "declared"),
    [
        ("gap_status", gap_rules.STATUSES),
        ("criticality", catalogue_rules.CRITICALITIES),
        ("service_status", catalogue_rules.SERVICE_STATUSES),
        ("provider_kind", catalogue_rules.PROVIDER_KINDS),
        ("mitigation_kind", mitigation_rules.MITIGATION_KINDS),
        ("mitigation_status", mitigation_rules.MITIGATION_STATUSES),
    ],
)
def test_labels_name_the_declared_choices(kind, declared):
    assert tuple(LABELS[kind]) == declared
