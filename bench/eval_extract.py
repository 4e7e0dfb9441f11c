"""Score extractor configurations on aeb-dev and naeb-dev, side by side.

    .venv/bin/python -m bench.eval_extract                 # ours + baselines, both halves
    .venv/bin/python -m bench.eval_extract -c ours -c trafilatura --half held
    .venv/bin/python -m bench.eval_extract --stages        # ms per stage of ours

Prints body F1 / precision / recall / exact-match and CPU ms per page (median, mean) per set
and half, plus title / date / author accuracy on naeb-dev. The page sets, the metric and the
configurations are in sample/evaluation.py; ground truth is read only there, never by the
extractors.
"""

from __future__ import annotations

import argparse
import json
import sys

from sample.evaluation import CONFIGS, SETS, Tally, combine, evaluate


def _fmt(value: float | None, digits: int = 3) -> str:
    return "   -  " if value is None else f"{value:.{digits}f}"


def format_rows(results: dict[str, dict[str, dict]]) -> list[str]:
    head = (f"{'config':<24}{'set/half':<15}{'pages':>5}  {'F1':>6} {'prec':>6} {'recall':>6} "
            f"{'exact':>6} {'cpu ms':>7} {'(mean)':>7}  {'title':>6} {'date':>6} {'author':>6}")
    lines = [head, "-" * len(head)]
    for config, by_key in results.items():
        for key, s in sorted(by_key.items()):
            lines.append(
                f"{config:<24}{key:<15}{s['pages']:>5}  {_fmt(s['f1'])} {_fmt(s['precision'])} "
                f"{_fmt(s['recall'])} {_fmt(s['exact'])} {_fmt(s['ms_median'], 1):>7} "
                f"{_fmt(s['ms_mean'], 1):>7}  {_fmt(s['title'])} {_fmt(s['date'])} "
                f"{_fmt(s['author'])}")
    return lines


def run(configs: list[str], sets: list[str], half: str | None) -> dict[str, dict[str, dict]]:
    results: dict[str, dict[str, dict]] = {}
    for config in configs:
        merged: dict[str, Tally] = {}
        for name in sets:
            merged.update(evaluate(CONFIGS[config], name, half))
        summaries = {key: t.summary() for key, t in merged.items()}
        for name in sets:
            both = [t for key, t in merged.items() if key.startswith(name + "/")]
            if len(both) == 2:
                summaries[f"{name}/all"] = combine(both).summary()
        results[config] = summaries
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", action="append", choices=sorted(CONFIGS))
    parser.add_argument("-s", "--set", action="append", choices=SETS)
    parser.add_argument("--half", choices=("tune", "held"))
    parser.add_argument("--json", help="also write the summaries to this file")
    parser.add_argument("--stages", action="store_true", help="time each stage of ours")
    args = parser.parse_args(argv)
    if args.stages:
        from bench.eval_stages import main as stages_main

        return stages_main(args.set or list(SETS))
    results = run(args.config or list(CONFIGS), args.set or list(SETS), args.half)
    sys.stdout.write("\n".join(format_rows(results)) + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
