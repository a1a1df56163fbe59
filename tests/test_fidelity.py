"""ivraudit.testing.fidelity: what "exact" means and how a difference is told, on a bundled
tree's ground truth and copies of it with one thing wrong. No crawl, no speech model."""

from __future__ import annotations

import copy

import pytest

from ivraudit.spec import load_spec
from ivraudit.testing.fidelity import compare
from ivraudit.testing.truth import ground_truth

from conftest import tree_path


@pytest.fixture(scope="module")
def synthetic():
    spec = load_spec(tree_path("synthetic-voices"))
    return spec, ground_truth(spec)


def test_the_truth_is_exact_against_itself(synthetic):
    spec, truth = synthetic
    diff = compare(spec, truth, truth.audit)
    assert diff.exact and diff.describe() == "exact" and diff.involved() == []


def test_a_missing_node_a_wrong_kind_and_a_missing_edge_are_each_told(synthetic):
    spec, truth = synthetic
    audit = copy.deepcopy(truth.audit)
    del audit.nodes["operator"]
    for key in [k for k in audit.edges if "operator" in k[:2]]:
        del audit.edges[key]
    audit.nodes["agent"].kind = "message"
    diff = compare(spec, truth, audit)
    assert not diff.exact
    assert diff.missing == ["operator"]
    assert diff.kinds == {"agent": ("message", "human")}
    assert ("main", "operator", "0") in diff.missing_edges
    assert diff.involved()[:2] == ["operator", "agent"] and "main" in diff.involved()
    assert "missing operator" in diff.describe() and "agent message!=human" in diff.describe()


def test_a_node_heard_twice_is_a_copy(synthetic):
    spec, truth = synthetic
    audit = copy.deepcopy(truth.audit)
    audit.nodes["billing_again"] = copy.deepcopy(audit.nodes["billing"])
    audit.nodes["billing_again"].id = "billing_again"
    mapping = {n: n for n in audit.nodes} | {"billing_again": "billing"}
    diff = compare(spec, truth, audit, mapping)
    assert diff.copies == {"billing": 2} and "copies billingx2" in diff.describe()
