"""sample.evaluation.truth_cut: the rule that flags a ground truth stopping before the article
does (bench.eval_truncation prints the scores without the flagged pages)."""

from __future__ import annotations

import random

import pytest

from sample.evaluation import BENCHMARKS, load_pages, truth_cut

_WORDS = ("council river crossing plan costs members budget bridge ferry tolls traffic town mayor "
          "engineers survey report vote delay funding contract design study harbour").split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(33)).capitalize() + "."


#: twelve 33-word paragraphs that share (almost) no 4-word shingle with each other
PROSE = [_sentence(random.Random(seed)) for seed in range(12)]


def test_truth_of_the_first_paragraphs_is_flagged():
    cut = truth_cut("\n".join(PROSE[:4]), PROSE)
    assert cut.flagged and cut.last == 3
    assert cut.tail_share == pytest.approx(8 / 12)


def test_whole_article_truth_is_not_flagged():
    cut = truth_cut("\n".join(PROSE), PROSE)
    assert not cut.flagged and cut.last == 11 and cut.tail_share == 0


def test_a_tail_of_headlines_is_extraction_noise_not_a_cut():
    teasers = [f"Council {w} vote on the river crossing delayed again" for w in "abcdefghij"]
    cut = truth_cut("\n".join(PROSE[:6]), PROSE[:6] + teasers)
    assert not cut.flagged and cut.tail_share == 0


def test_a_short_prose_tail_is_under_the_thresholds():
    # two paragraphs (66 words) after the truth's end: under 150 words
    assert not truth_cut("\n".join(PROSE[:10]), PROSE).flagged


def test_nothing_in_the_truth():
    assert truth_cut("An unrelated text about something else entirely here.", PROSE).last is None


@pytest.mark.skipif(not BENCHMARKS.is_dir(), reason=f"benchmark pages not found at {BENCHMARKS}")
def test_tune_halves_flag_the_five_cut_truths_found_by_hand():
    from pipelines.clean import extract

    flagged = {page.id[:10] for name in ("aeb-dev", "naeb-dev")
               for page in load_pages(name, half="tune")
               if truth_cut(page.truth.get("articleBody") or "",
                            extract(page.html, page.url).paragraphs).flagged}
    assert flagged == {"0e39296dc6", "0f1d20e932", "1eaca85a8a", "610631485f", "63d45f67f6"}
