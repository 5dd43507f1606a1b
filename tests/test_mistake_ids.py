"""Every named mistake has a stable, unique, well-formed id (``<function>.<slug>``), and the
property judges of notebooks 04 and 08 name the mistakes they diagnose by id."""
from __future__ import annotations

import re

import pytest

from grader.checks.evaluate import run_direct, visible_probes
from grader.checks.specs import SPECS
from grader.suites import all_suites
from tests import test_nb08_training_a_softmax_classifier as nb08

ID = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$")


def test_every_catalogued_mistake_has_a_meaningful_unique_id():
    seen: dict[str, str] = {}
    for suite in all_suites().values():
        for m in suite.mistakes:
            full = m.full_id(suite.function)
            assert ID.match(full), f"{full!r} is not <function>.<slug>"
            assert "lambda" not in full
            # variants of one mistake (several epsilons) share the id and the message
            assert seen.setdefault(full, m.message) == m.message, f"two different mistakes share the id {full}"


@pytest.mark.parametrize("fn,mistake", [
    (nb08.rmb_y_not_shuffled, "random_mini_batches.y_not_shuffled"),
    (nb08.rmb_two_permutations, "random_mini_batches.two_permutations"),
    (nb08.rmb_drops_last, "random_mini_batches.last_batch_dropped"),
    (nb08.rmb_no_shuffle, "random_mini_batches.not_shuffled"),
    (nb08.rmb_with_replacement, "random_mini_batches.with_replacement"),
    (nb08.rmb_two_lists, "random_mini_batches.two_lists"),
    (nb08.rmb_seed_ignored, "random_mini_batches.seed_ignored"),
])
def test_the_mini_batch_judge_names_the_mistake_by_id(fn, mistake):
    verdict = run_direct(SPECS["random_mini_batches"], fn, visible_probes("random_mini_batches"))
    assert not verdict.passed
    assert verdict.mistake == mistake, verdict.message


def test_a_property_judge_without_a_diagnosis_names_no_mistake():
    def rmb_junk(X, Y, mini_batch_size=64, seed=0):
        return 42

    verdict = run_direct(SPECS["random_mini_batches"], rmb_junk, visible_probes("random_mini_batches"))
    assert not verdict.passed and verdict.mistake is None
