"""The preview of one stack, as terminal text and as Markdown for a pull-request comment.

``Preview.of`` computes what every view shows once per stack run (the release parameters, the
timeline from them, the cost from the timeline's worst case, the resource tree, the headline);
the text and Markdown reports here, the diagram (``preview.diagram``) and the JSON snapshot
(``preview.snapshot``) read them from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from preview.engine import ProgramRun
from preview.errors import PreviewError
from preview.estimate import CostEstimate, NoEstimate, estimate_or_not
from preview.prices import refresh_command
from preview.release_params import ReleaseParams, extract_release_params
from preview.timeline import Timeline, build_timeline, clock, format_timeline
from preview.tree import resource_counts, tree_lines
from preview.usage import CostAssumptions, extract_usage

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
    tree: tuple[str, ...]
    """The resource tree's lines (``preview.tree.tree_lines``)."""

    @classmethod
    def of(cls, run: ProgramRun, *, releases_per_month: int = 20) -> Preview:
        """Everything the views show, each computed once.

        PreviewError when the declared resources give no release parameters: the one place
        that says so (the cost takes the timeline computed here, it does not try again).
        """
        try:
            params = extract_release_params(run)
        except ValueError as error:
            raise PreviewError(run.stack, f"no release timeline: {error}") from error
        timeline = build_timeline(params)
        cost = estimate_or_not(
            extract_usage(run),
            CostAssumptions(releases_per_month=releases_per_month),
            release_seconds=timeline.worst_case_seconds,
        )
        return cls(run, params, timeline, cost, tuple(tree_lines(run)))

    def headline(self) -> list[tuple[str, str]]:
        """The facts a reviewer wants first."""
        return list(self._headline)

    @cached_property
    def _headline(self) -> tuple[tuple[str, str], ...]:
        task = self.run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
        container = json.loads(task["containerDefinitions"])[0]
        routing = self.params.routing
        ecs = self.params.engine == "ecs"
        return (
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
        )


def text_report(preview: Preview) -> list[str]:
    headline = preview.headline()
    width = max(len(key) for key, _ in headline)
    lines = [f"Stack {preview.run.stack}: offline preview (Pulumi mock engine, nothing sent to AWS)", ""]
    lines += [f"  {key:<{width}}  {value}" for key, value in headline]
    lines += ["", "Resources", *(f"  {line}" for line in preview.tree)]
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
        *preview.tree,
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


def _quantity(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,.2f}"


def _unit_price(usd: float) -> str:
    """At least two decimals, and every significant one: ``$0.10``, ``$0.04048``."""
    text = f"{usd:.10f}".rstrip("0")  # WAF prices a request at $0.0000006
    decimals = len(text.split(".")[1])
    return f"${usd:.{max(2, decimals)}f}"


def format_cost(estimate: CostEstimate | NoEstimate) -> list[str]:
    """Printable lines: the line items, totals, the release extra, prices' date, assumptions.

    Without a usable table: one line saying how to produce it.
    """
    if isinstance(estimate, NoEstimate):
        return [f"  {estimate.stack} in {estimate.region}: {estimate.line()}"]
    rows = [
        (
            i.item,
            f"{_quantity(i.quantity)} {i.unit}",
            f"x {_unit_price(i.unit_price_usd)}",
            f"${i.monthly_usd:,.2f}",
        )
        for i in estimate.items
    ]
    rows += [(u.item, f"{_quantity(u.quantity)} {u.unit}", "x ?", "not priced") for u in estimate.unpriced]
    extra = estimate.release_extra
    partial = " of priced lines" if estimate.unpriced else ""
    totals = [(f"total{partial} (steady state)", f"${estimate.total_monthly_usd:,.2f}")]
    if extra is not None:
        totals.append((f"total{partial} with releases", f"${estimate.total_with_releases_usd:,.2f}"))
    widths = [max([len(row[col]) for row in rows] or [0]) for col in range(3)]
    amount_width = max(len(text) for text in [*(row[3] for row in rows), *(t[1] for t in totals)])
    label_width = sum(widths) + 4
    lines = [f"  {estimate.stack} in {estimate.region}: estimated USD per month"]
    for item, quantity, price, monthly in rows:
        lines.append(
            f"  {item:<{widths[0]}}  {quantity:>{widths[1]}}  {price:<{widths[2]}}  {monthly:>{amount_width}}"
        )
    lines.append(f"  {totals[0][0]:<{label_width}}  {totals[0][1]:>{amount_width}}")
    if extra is not None:
        lines.append(
            f"  releases: {extra.releases_per_month} x {clock(int(extra.release_seconds))} (worst case) with "
            f"{extra.green_tasks} green task(s) running beside blue: ${extra.per_release_usd:,.4f} each, "
            f"${extra.monthly_usd:,.2f}/month"
        )
        lines.append(f"  {totals[1][0]:<{label_width}}  {totals[1][1]:>{amount_width}}")
    if estimate.fargate_at_max_monthly_usd is not None:
        lines.append(
            "  at the auto scaling maximum all month, Fargate alone would cost "
            f"${estimate.fargate_at_max_monthly_usd:,.2f}"
        )
    if estimate.unpriced:
        lines.append(
            f"  not priced ({len(estimate.unpriced)} line(s), left out of the totals; "
            "release extra and auto scaling maximum need the task's Fargate prices):"
        )
        lines.extend(f"    {u.item}: {u.price_key} {u.reason}" for u in estimate.unpriced)
        lines.append(f"  complete the table with: {refresh_command(estimate.region)}")
    checked = "re-checked online" if estimate.prices_checked_online else "NOT re-checked online"
    lines.append(
        f"  prices: AWS's published {estimate.region} prices as of {estimate.prices_as_of} ({checked}), from:"
    )
    lines.extend(f"    {url}" for url in estimate.sources)
    lines.append(f"  assumptions: {'; '.join(estimate.assumptions.describe())}")
    lines.append(f"  not included: {'; '.join(estimate.not_included)}")
    return lines
