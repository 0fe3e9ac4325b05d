"""Customer tags (DESIGN §2 "Tags"): definitions under review, the rule language, refresh.

Public functions other domains call:
- `refresh_member_tags(member_id, now)`: re-evaluate the rule tags of one member
  (services/points calls it after each purchase); `refresh_members_tags` for several.
- `run_tag_refresh(as_of, progress)`: the `tag-refresh` job.
- `explain(assignments, now)`: why members have their tags (DESIGN §9).
- `MAX_CONDITIONS`: the most conditions a rule has.
Each use of a tag to choose members is recorded by `services.tags.uses`; `utilisation`
and `tag_evaluation` read them back.
"""

from services.tags.assignments import assign_tag, remove_tag, report_tag_error
from services.tags.definitions import (
    TagDraft,
    propose_tag_definition,
    retire_tag_definition,
    review_tag_definition,
    tag_definitions,
)
from services.tags.explanations import Assignment, Condition, Explanation, explain
from services.tags.refresh import refresh_member_tags, refresh_members_tags, run_tag_refresh
from services.tags.rules import MAX_CONDITIONS
from services.tags.utilisation import TagEvaluation, Utilisation, tag_evaluation, utilisation

__all__ = [
    "MAX_CONDITIONS",
    "Assignment",
    "Condition",
    "Explanation",
    "TagDraft",
    "TagEvaluation",
    "Utilisation",
    "assign_tag",
    "explain",
    "propose_tag_definition",
    "refresh_member_tags",
    "refresh_members_tags",
    "remove_tag",
    "report_tag_error",
    "retire_tag_definition",
    "review_tag_definition",
    "run_tag_refresh",
    "tag_definitions",
    "tag_evaluation",
    "utilisation",
]
