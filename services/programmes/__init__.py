"""Programmes that keep members (DESIGN §10): the churn warning, the satisfaction revisit,
the profile reminder and the birthday greeting, each run with a holdout, and the answers
to the surveys the revisit sends.

Public functions: `programmes()`, `update_programme(code, change, now)`,
`run_programme(code, as_of, now)`, `run_programmes(as_of)` (the scheduled job),
`respond_to_survey(token, score, comment, now, client=...)`.
"""

from services.programmes.jobs import run_programmes
from services.programmes.runs import programme_runs, run_programme
from services.programmes.settings import ProgrammeChange, programmes, update_programme
from services.programmes.surveys import respond_to_survey

__all__ = [
    "ProgrammeChange",
    "programme_runs",
    "programmes",
    "respond_to_survey",
    "run_programme",
    "run_programmes",
    "update_programme",
]
