"""StreamField blocks for the body of a call: one block type per section of a call."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"]


class SectionBlock(blocks.RichTextBlock):
    """A titled section of prose; the title is the block type's label."""

    def __init__(self, **kwargs):
        super().__init__(features=RICH_TEXT_FEATURES, **kwargs)

    class Meta:
        template = "calls/blocks/section.html"
        icon = "doc-full"


class CriterionBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("critère"), max_length=200)
    weight = blocks.IntegerBlock(
        label=_("pondération (%)"), required=False, min_value=0, max_value=100
    )
    description = blocks.TextBlock(label=_("précisions"), required=False)

    class Meta:
        icon = "tick"


class EvaluationCriteriaBlock(blocks.StructBlock):
    intro = blocks.RichTextBlock(
        label=_("introduction"), features=RICH_TEXT_FEATURES, required=False
    )
    criteria = blocks.ListBlock(CriterionBlock(), label=_("critères"), min_num=0)

    class Meta:
        template = "calls/blocks/evaluation_criteria.html"
        icon = "list-ol"


class MilestoneBlock(blocks.StructBlock):
    date = blocks.DateBlock(label=_("date"))
    label = blocks.CharBlock(label=_("étape"), max_length=200)

    class Meta:
        icon = "date"


class TimelineBlock(blocks.StructBlock):
    intro = blocks.RichTextBlock(
        label=_("introduction"), features=RICH_TEXT_FEATURES, required=False
    )
    milestones = blocks.ListBlock(MilestoneBlock(), label=_("étapes"), min_num=0)

    class Meta:
        template = "calls/blocks/timeline.html"
        icon = "time"


# Section code → (block, label). The codes are used by the importer and the API.
SECTION_LABELS = {
    "context": _("Contexte"),
    "problem": _("Problématique"),
    "expected_solutions": _("Solutions attendues"),
    "eligibility": _("Éligibilité"),
    "evaluation_criteria": _("Critères d'évaluation"),
    "rewards": _("Ce que les lauréats obtiennent"),
    "timeline": _("Calendrier"),
}

CALL_BODY_BLOCKS = [
    ("context", SectionBlock(label=SECTION_LABELS["context"])),
    ("problem", SectionBlock(label=SECTION_LABELS["problem"])),
    ("expected_solutions", SectionBlock(label=SECTION_LABELS["expected_solutions"])),
    ("eligibility", SectionBlock(label=SECTION_LABELS["eligibility"])),
    ("evaluation_criteria", EvaluationCriteriaBlock(label=SECTION_LABELS["evaluation_criteria"])),
    ("rewards", SectionBlock(label=SECTION_LABELS["rewards"])),
    ("timeline", TimelineBlock(label=SECTION_LABELS["timeline"])),
]
