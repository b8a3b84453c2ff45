"""The preview of one stack, as terminal text and as Markdown for a pull-request comment."""

from __future__ import annotations

import json
from dataclasses import dataclass

from preview.cost import (
    CostAssumptions,
    CostEstimate,
    NoEstimate,
    estimate_or_not,
    extract_usage,
    format_cost,
)
from preview.engine import ProgramRun
from preview.release_params import ReleaseParams, extract_release_params
from preview.timeline import Timeline, build_timeline, clock, format_timeline
from preview.tree import resource_counts, tree_lines

ENGINE_NAMES = {
    "codedeploy": "codedeploy (CodeDeploy deployment group)",
    "ecs": "ecs (ECS deployment controller)",
}
TIMELINE_START = {
    "codedeploy": "from the start of a CodeDeploy deployment",
    "ecs": "from the start of the ECS service deployment",
}


@dataclass(frozen=True)
class Preview:
    run: ProgramRun
    params: ReleaseParams
    timeline: Timeline
    cost: CostEstimate | NoEstimate

    @classmethod
    def of(cls, run: ProgramRun, *, releases_per_month: int = 20) -> Preview:
        params = extract_release_params(run)
        timeline = build_timeline(params)
        usage = extract_usage(run)
        cost = estimate_or_not(
            usage,
            CostAssumptions(releases_per_month=releases_per_month),
            release_seconds=timeline.worst_case_seconds,
        )
        return cls(run, params, timeline, cost)

    def headline(self) -> list[tuple[str, str]]:
        """The facts a reviewer wants first."""
        task = self.run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
        container = json.loads(task["containerDefinitions"])[0]
        routing = self.params.routing
        ecs = self.params.engine == "ecs"
        return [
            ("stack", self.run.stack),
            ("region", self.cost.region),
            ("engine", ENGINE_NAMES[self.params.engine]),
            ("image", str(container["image"]).rsplit("/", 1)[-1][:60]),
            (
                "tasks",
                f"{self.params.desired_count} x {task['cpu']} CPU / {task['memory']} MiB "
                f"{(task.get('runtimePlatform') or {}).get('cpuArchitecture', 'X86_64')}",
            ),
            ("traffic shifting", routing.config_name),
            (
                "blue kept after success",
                f"{self.params.termination_wait_minutes} min" + (" (bake time)" if ecs else ""),
            ),
            ("hooks", ", ".join(h.event for h in self.params.hooks) or "none"),
            ("alarms wired to rollback", str(len(self.params.alarms))),
            (
                "release takes",
                f"{clock(self.timeline.typical_seconds)} typical, "
                f"{clock(self.timeline.worst_case_seconds)} worst case",
            ),
            (
                "resources",
                f"{sum(resource_counts(self.run).values())} in "
                f"{sum(1 for r in self.run.resources if not r.custom)} components",
            ),
            ("estimated monthly cost", self.cost.headline()),
        ]


def text_report(preview: Preview) -> list[str]:
    width = max(len(key) for key, _ in preview.headline())
    lines = [f"Stack {preview.run.stack}: offline preview (Pulumi mock engine, nothing sent to AWS)", ""]
    lines += [f"  {key:<{width}}  {value}" for key, value in preview.headline()]
    lines += ["", "Resources", *(f"  {line}" for line in tree_lines(preview.run))]
    lines += [
        "",
        f"Release timeline ({TIMELINE_START[preview.params.engine]})",
        *format_timeline(preview.timeline),
    ]
    lines += ["", "Monthly cost estimate", *format_cost(preview.cost)]
    return lines


def markdown_report(preview: Preview, *, diagram_file: str | None = None, mermaid: str | None = None) -> str:
    """A self-contained Markdown report, fit for a pull-request comment.

    ``mermaid``: the architecture as a Mermaid flowchart, shown inline (GitHub renders it);
    ``diagram_file``: the SVG written next to the report, named for readers of the file.
    """
    timeline = preview.timeline
    parts = [
        f"## Offline preview of stack `{preview.run.stack}`",
        "",
        "The real program run under Pulumi's mock engine by `make preview`: nothing was sent to AWS.",
        "",
        "| | |",
        "| --- | --- |",
        *(f"| {key} | {value} |" for key, value in preview.headline()),
        "",
        "### Release timeline",
        "",
        f"Times {TIMELINE_START[preview.params.engine]}.",
        "",
        "| time | latest | event | green |",
        "| ---: | ---: | --- | ---: |",
        *(
            f"| {clock(e.at_seconds)} | {clock(e.latest_seconds)} | {e.label} | {e.green_percent} % |"
            for e in timeline.events
        ),
        "",
    ]
    if timeline.warnings:
        parts += ["**Warnings**", "", *(f"- ⚠️ {w}" for w in timeline.warnings), ""]
    if timeline.notes:
        parts += [*(f"- {n}" for n in timeline.notes), ""]
    parts += ["### Monthly cost estimate (USD)", "", *_markdown_cost(preview.cost)]
    parts += [
        "",
        "<details><summary>Resources</summary>",
        "",
        "```text",
        *tree_lines(preview.run),
        "```",
        "",
        "</details>",
    ]
    if mermaid:
        parts += ["", "### Architecture", "", "```mermaid", mermaid.rstrip(), "```"]
    if diagram_file:
        parts += ["", f"The same diagram as SVG: `{diagram_file}` (next to this report)."]
    return "\n".join(parts) + "\n"


def _markdown_cost(cost: CostEstimate | NoEstimate) -> list[str]:
    """The cost table, its totals and where its prices come from; one line without a table."""
    if isinstance(cost, NoEstimate):
        return [f"{cost.line()}."]
    parts = [
        "| item | quantity | unit price | per month |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {i.item} | {i.quantity:,.6g} {i.unit} | ${i.unit_price_usd:.6g} | ${i.monthly_usd:,.2f} |"
            for i in cost.items
        ),
        *(f"| {u.item} | {u.quantity:,.6g} {u.unit} | not priced: {u.price_key} | |" for u in cost.unpriced),
        f"| **total (steady state)** | | | **${cost.total_monthly_usd:,.2f}** |",
    ]
    if cost.release_extra is not None:
        extra = cost.release_extra
        parts.append(
            f"| releases: {extra.releases_per_month} x {clock(int(extra.release_seconds))} with "
            f"{extra.green_tasks} green task(s) | | | ${extra.monthly_usd:,.2f} |"
        )
        parts.append(f"| **total with releases** | | | **${cost.total_with_releases_usd:,.2f}** |")
    checked = "re-checked online" if cost.prices_checked_online else "not re-checked online"
    unpriced = (
        f" Not priced (no {cost.region} price, left out of the totals): "
        f"{', '.join(u.price_key for u in cost.unpriced)}."
        if cost.unpriced
        else ""
    )
    return [
        *parts,
        "",
        f"Prices: AWS's published {cost.region} prices as of {cost.prices_as_of} ({checked}).{unpriced} "
        f"Assumptions: {'; '.join(cost.assumptions.describe())}. "
        f"Not included: {'; '.join(cost.not_included)}.",
    ]
