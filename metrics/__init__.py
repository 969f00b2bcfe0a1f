"""Assessment scores: indicators, scoring, tiers, ranks, explanations and 提分清单.

Entry points: `metrics.snapshots.compute(engine, period_key, as_of=None)` (an Assessment
of frames), `metrics.snapshots.refresh_current(engine, today=None)` (after collector runs),
`metrics.assessment.assess(...)` (pure, frames in and out), `python -m metrics …` (CLI).
"""
