"""Words for people, Chinese first with English available: the only module with Chinese prose.

Owns the labels of statuses, borderline marks, flags and the message templates of input issues and
rule-file problems, keyed by their stable codes. Rule-defined labels (tiers, criteria, fields) live in
the rule files themselves.
"""

from __future__ import annotations

from typing import Literal

from eligibility.errors import Issue, IssueCode, ProblemCode, RuleProblem

__all__ = ["Lang", "has_text", "heading_text", "issue_message", "problem_message", "rounds_words", "text"]

Lang = Literal["zh", "en"]

_TEXT: dict[str, tuple[str, str]] = {
    # tier statuses
    "eligible": ("符合", "eligible"),
    "ineligible": ("不符合", "ineligible"),
    "incomplete": ("信息不足", "incomplete"),
    "review": ("待人工复核", "needs review"),
    # criterion statuses
    "pass": ("满足", "pass"),
    "fail": ("不满足", "fail"),
    "unknown": ("缺少数据", "unknown"),
    # borderline
    "thin_pass": ("临界通过", "thin pass"),
    "near_miss": ("临界未过", "near miss"),
    # flags
    "promotion_candidate": ("晋级候选", "promotion candidates"),
    "at_risk": ("退库风险", "at risk at re-review"),
    "scale_up_candidate": ("升规候选", "scale-up candidates"),
    "data_issue": ("数据问题", "rows with data issues"),
    # terminal summary
    "summary_title": (
        "筛查完成：{firms} 家企业，评估日期 {as_of}，用途 {purpose}",
        "Screened {firms} firms as of {as_of}, purpose {purpose}",
    ),
    "purpose_apply": ("新申报", "application"),
    "purpose_review": ("复核", "re-review"),
    "tier_line": ("{label}（{regime}）", "{label} ({regime})"),
    "tier_line_rounds": (
        "{label}（按称号到期年份的复核轮次：{rules}）",
        "{label} (by the review round of each title: {rules})",
    ),
    "counts": (
        "符合 {eligible}　不符合 {ineligible}　信息不足 {incomplete}　待复核 {review}　临界通过 {thin_pass}　临界未过 {near_miss}",
        "eligible {eligible}, ineligible {ineligible}, incomplete {incomplete}, review {review}, thin pass {thin_pass}, near miss {near_miss}",
    ),
    "flags_line": ("标记：", "Flags: "),
    "skipped_no_ruleset_in_force": (
        "未评估（评估日期无生效规则集，可用 --regime 回放）：{tiers}",
        "Not evaluated (no rule set in force on that date; see --regime): {tiers}",
    ),
    "skipped_no_ruleset": (
        "未评估（尚未编入规则集）：{tiers}",
        "Not evaluated (no rule set encoded yet): {tiers}",
    ),
    "issues_line": (
        "数据问题：错误 {error} 条，提示 {warning} 条，说明 {info} 条",
        "Input issues: {error} errors, {warning} warnings, {info} notes",
    ),
    "more_issues": ("……另有 {count} 条，见输出文件", "... {count} more, see the output"),
    "written": ("结果已写入：{path}", "Written: {path}"),
    "rules_ok": (
        "规则检查通过：{count} 个规则集，{fields} 个字段（{directory}）",
        "Rules OK: {count} rule sets, {fields} fields ({directory})",
    ),
    "rules_bad": ("规则文件有 {count} 处问题：", "{count} problem(s) in rule files:"),
    "did_you_mean": ("（是否应为“{suggestion}”？）", " (did you mean '{suggestion}'?)"),
    "same_file": ("输出文件不能与输入文件相同：{path}", "The output must not be the input file: {path}"),
    "input_failed": ("输入文件无法使用（{count} 条错误）：", "The input cannot be used ({count} error(s)):"),
    "strict_stopped": (
        "输入有 {count} 条错误，按 --strict 要求未进行评估：",
        "{count} input error(s); --strict stopped before evaluating:",
    ),
    "input_too_large": (
        "输入文件 {path} 超出读取上限：{detail}。若文件无误，可用 --max-unpacked-mb 或 --max-cells 放宽（0 为不限）",
        "The input {path} is beyond the reading limits: {detail}. If the file is right, raise "
        "--max-unpacked-mb or --max-cells (0 for no limit)",
    ),
    "input_unreadable": (
        "无法读取输入文件 {path}：{detail}。请确认它是完好的培育库表格（.xlsx、.xls、.csv 或 .parquet，带表头），"
        "可在 Excel 中打开后另存为 .xlsx 再试，或按 eligibility template 生成的模板整理数据",
        "Cannot read the input file {path}: {detail}. Check that it is an intact pool table (.xlsx, .xls, .csv "
        "or .parquet, with a header row); open it in Excel and save it as .xlsx, or use the layout of "
        "eligibility template",
    ),
    "result_unreadable": (
        "无法读取筛查结果 {path}：{detail}。请给出 eligibility screen 写出的 .csv、.jsonl 文件或筛查结果工作簿（.xlsx）",
        "Cannot read the screening result {path}: {detail}. Give a .csv, a .jsonl or the reviewer's workbook "
        "(.xlsx) written by eligibility screen",
    ),
    "why_not_a_result": (
        "不是 eligibility screen 写出的筛查结果（缺少“{header}”列）",
        "not a screening result of eligibility screen (no '{header}' column)",
    ),
    "why_no_status": (
        "不是 eligibility screen 写出的筛查结果（没有任何梯度的结论列，如“srdi_sme.status”）",
        "not a screening result of eligibility screen (no tier status column such as 'srdi_sme.status')",
    ),
    "why_not_text": ("不是 UTF-8 文本文件", "not a UTF-8 text file"),
    "why_bad_jsonl": (
        "不是完整的 JSON lines 文件（每行一个 JSON 对象）",
        "not complete JSON lines (one JSON object per line)",
    ),
    "why_bad_workbook": (
        "不是完好的 Excel 工作簿（可能已损坏，或是改了扩展名的其他文件）",
        "not an intact Excel workbook (damaged, or another file renamed)",
    ),
    "why_no_details_sheet": (
        "工作簿中没有“{zh}”工作表，不是 eligibility screen 写出的筛查结果工作簿",
        "the workbook has no '{en}' ({zh}) sheet, so it is not a reviewer's workbook of eligibility screen",
    ),
    "why_unknown_tier": (
        "工作表“{sheet}”的列“{header}”不对应任何梯度；若筛查时用了 --rules，请给出同一个 --rules",
        "column '{header}' of sheet '{sheet}' names no tier; if the screen used --rules, give the same --rules",
    ),
    "why_unknown_status": (
        "工作表“{sheet}”第 {row} 行“{header}”的结论不是筛查写出的结论，工作簿可能被改动过",
        "sheet '{sheet}', row {row}, '{header}': not a status the screen writes; the workbook may have been edited",
    ),
    "updates_unreadable": (
        "无法读取更新文件 {path}：{detail}。请检查路径，或用 --updates - 从标准输入读取",
        "Cannot read the updates file {path}: {detail}. Check the path, or read standard input with --updates -",
    ),
    "why_folder": ("这是文件夹，不是文件", "it is a folder, not a file"),
    "why_empty": ("文件是空的", "the file is empty"),
    "why_denied": ("没有读取权限", "permission denied"),
    "why_missing": ("文件不存在", "no such file"),
    "output_failed": ("无法写入 {path}：{why}", "Cannot write {path}: {why}"),
    "write_readonly": (
        "该位置是只读的，请换一个可写的文件夹",
        "the location is read-only; choose a folder you can write to",
    ),
    "write_full": (
        "磁盘空间不足，请腾出空间或换一个磁盘后重试",
        "the disk is full; free some space or use another disk",
    ),
    "write_parent_file": (
        "“{parent}”是文件而不是文件夹，请换一个输出位置",
        "'{parent}' is a file, not a folder; choose another location",
    ),
    "write_is_folder": ("这是一个已有的文件夹，请给出文件名", "it is an existing folder; give a file name"),
    "write_denied": (
        "没有写入权限，请换一个可写的文件夹",
        "permission denied; choose a folder you can write to",
    ),
    "write_missing": (
        "文件夹不存在且无法创建，请换一个输出位置",
        "the folder does not exist and cannot be created; choose another location",
    ),
    "write_other": ("{detail}；请换一个输出位置后重试", "{detail}; choose another location and retry"),
    "same_outputs": (
        "-o 与 --html 不能是同一个文件：{path}",
        "-o and --html must be different files: {path}",
    ),
    "internal_error": (
        "内部错误（{kind}），未完成。请加 --debug 重新运行查看详情，并把输出发给维护者",
        "Internal error ({kind}); not finished. Rerun with --debug for the details and send them to the maintainers",
    ),
    "regime_error": ("无法评估：{detail}", "Cannot evaluate: {detail}"),
    "suite_header": (
        "规则测试（场景用例 / 自动生成的临界值用例）：",
        "Rule tests (scenarios / generated boundary cases):",
    ),
    "suite_line": (
        "{ruleset}：场景 {scenario} 个，临界值 {boundary} 个，失败 {failed} 个",
        "{ruleset}: {scenario} scenarios, {boundary} boundary cases, {failed} failed",
    ),
    "suite_total": ("{passed} passed, {failed} failed", "{passed} passed, {failed} failed"),
    "scenario": ("场景", "scenario"),
    "boundary": ("临界值", "boundary"),
    # the reviewer's workbook
    "sheet_summary": ("汇总", "Summary"),
    "sheet_promotion": ("晋级候选", "Promotion"),
    "sheet_borderline": ("临界企业", "Borderline"),
    "sheet_at_risk": ("退库风险", "At risk"),
    "sheet_scale_up": ("升规候选", "Scale-up"),
    "sheet_details": ("全部明细", "All results"),
    "sheet_issues": ("数据问题", "Data issues"),
    "sheet_rules": ("规则说明", "Rules used"),
    "col_rank": ("排名", "Rank"),
    "col_code": ("统一社会信用代码", "Credit code"),
    "col_name": ("企业名称", "Firm"),
    "col_township": ("乡镇（街道）", "Township"),
    "col_officer": ("服务专员", "Service officer"),
    "col_tier": ("梯度", "Tier"),
    "col_ruleset": ("规则集", "Rule set"),
    "col_version": ("版本", "Version"),
    "col_regime": ("政策口径", "Regime"),
    "col_source": ("政策依据", "Source"),
    "col_effective": ("生效日期", "In force"),
    "col_status": ("结论", "Status"),
    "col_borderline": ("临界", "Borderline"),
    "col_score": ("得分", "Score"),
    "col_score_min": ("得分下限", "Score low"),
    "col_score_max": ("得分上限", "Score high"),
    "col_route": ("通过路径", "Route"),
    "col_failed": ("未满足条件", "Failed criteria"),
    "col_gaps": ("差距说明", "What would qualify"),
    "col_title": ("当前称号", "Current title"),
    "col_target": ("晋级目标", "Next tier"),
    "col_expires": ("有效期至", "Valid until"),
    "col_reason": ("原因", "Reason"),
    "col_review_rules": ("复核适用规则", "Review rules"),
    "explain_round": ("，{year}年复核轮次", ", {year} review round"),
    "ruleset_firms": ("：{firms}家", ": {firms} firms"),
    "col_applied_to": ("适用于", "Applied to"),
    "applied_apply": ("申报：{firms}家", "application: {firms} firms"),
    "applied_review": ("复核：{firms}家", "re-review: {firms} firms"),
    "applied_at_risk": (
        "退库风险研判（到期称号复核）：{firms}家",
        "at-risk check (review of expiring titles): {firms} firms",
    ),
    "rounds_span": ("{first}—{last}年复核轮次", "review rounds {first}–{last}"),
    "rounds_from": ("{first}年起复核轮次", "review rounds from {first}"),
    "rounds_to": ("{last}年及以前复核轮次", "review rounds up to {last}"),
    "review_round_rules": ("{year}年复核轮次（{regime}）", "{year} review round ({regime})"),
    "col_main_revenue": ("主营业务收入（万元）", "Main revenue (万元)"),
    "col_to_line": ("距规上标准（万元）", "Short of the line (万元)"),
    "col_flag": ("标记", "Flag"),
    "col_firms": ("企业数", "Firms"),
    "col_sheet": ("工作表", "Sheet"),
    "col_row": ("行号", "Row"),
    "col_header": ("列（原表头）", "Column (as headed)"),
    "col_value": ("值", "Value"),
    "col_severity": ("级别", "Severity"),
    "col_problem": ("问题说明", "Problem"),
    "col_code_slug": ("问题代码", "Code"),
    "col_criterion": ("条件", "Criterion"),
    "col_assumption": ("假设", "Assumption"),
    "severity_error": ("错误", "error"),
    "severity_warning": ("提示", "warning"),
    "severity_info": ("说明", "info"),
    "input_missing": (
        "找不到输入文件：{path}，请检查路径和文件名",
        "No such input file: {path}; check the path",
    ),
    "as_of_out_of_range": (
        "评估日期 {value} 超出可评估的范围（{first} 至 {last}），请检查年份",
        "The assessment date {value} is outside the dates the tool can assess ({first} to {last}); check the year",
    ),
    "bad_as_of": (
        "评估日期“{value}”不是有效日期，请写成 年-月-日，如 2026-11-26",
        "--as-of '{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-26",
    ),
    "rules_as_of": ("评估日期：{as_of}；用途：{purpose}", "As of {as_of}; purpose: {purpose}"),
    "risk_review_ineligible": ("按复核标准不符合", "fails its re-review rules"),
    "risk_review_incomplete": ("复核所需信息不足", "incomplete for re-review"),
    "risk_review_thin_pass": ("复核临界通过", "passes re-review only thinly"),
    "risk_not_sme": ("不再符合中小企业标准", "no longer an SME"),
    "gap_sentence": ("{label}：需{verb}{amount}", "{label}: {verb} {amount}"),
    "gap_raise": ("增加", "raise by"),
    "gap_lower": ("降低", "lower by"),
    "gap_climb": ("提升", "climb by"),
    "gap_raise_over": ("增加超过", "raise by more than"),
    "gap_lower_over": ("降低超过", "lower by more than"),
    "gap_climb_over": ("提升超过", "climb by more than"),
    "gap_lever": ("（即{lever}{verb}{amount}）", " (that is, {lever} {verb} {amount})"),
    "template_sheet": ("企业数据", "Firms"),
    "template_guide": ("字段说明", "Column guide"),
    "template_lists": ("选项", "Lists"),
    "guide_note_current_tier": (
        "企业已获的最高国家梯度称号；未获称号的留空（高新技术企业填在“有效期内高新技术企业”列）",
        "The highest national ladder title the firm holds; blank if none (HNTE goes in its own column)",
    ),
    "guide_note_tier_awarded_on": (
        "称号认定日期；未填“称号有效期至”时，按认定日期加该称号有效年限推算",
        "Date the title was awarded; when the expiry is blank, it is derived from this date and the "
        "title's validity",
    ),
    "guide_note_township": (
        "企业所在乡镇或街道；仅用于分组，原样写入各项输出",
        "Township or subdistrict of the firm; for grouping only, carried to every output as text",
    ),
    "guide_note_officer": (
        "负责该企业的服务专员（包联干部）；仅用于分组，原样写入各项输出",
        "The service officer in charge of the firm; for grouping only, carried to every output as text",
    ),
    "template_written": ("已生成输入模板：{path}", "Template written: {path}"),
    # the template's headers are what the reader maps back, Chinese in both languages
    "header_with_unit": ("{label}（{unit}）", "{label}（{unit}）"),
    "header_unit_wan_yuan": ("万元", "万元"),
    "header_unit_fraction": ("%", "%"),
    "header_unit_persons": ("人", "人"),
    "header_unit_count": ("项", "项"),
    "header_unit_years": ("年", "年"),
    "header_unit_points": ("分", "分"),
    "guide_header": ("列名", "Header"),
    "guide_id": ("字段编号", "Field id"),
    "guide_unit": ("单位/类型", "Unit / type"),
    "guide_choices": ("可选值", "Choices"),
    "guide_note": ("说明", "Meaning"),
    "unit_name_wan_yuan": ("万元", "10k CNY"),
    "unit_name_fraction": ("百分比", "per cent"),
    "unit_name_persons": ("人", "persons"),
    "unit_name_count": ("项", "count"),
    "unit_name_years": ("年", "years"),
    "unit_name_points": ("分", "points"),
    "unit_name_level": ("级", "level"),
    "unit_name_bool": ("是/否", "yes/no"),
    "unit_name_category": ("选项", "choice"),
    "unit_name_date": ("日期", "date"),
    "unit_name_text": ("文本", "text"),
    "stage_read": ("读取", "reading"),
    "stage_evaluate": ("评估", "evaluating"),
    "stage_write": ("写出", "writing"),
    "stage_report": ("生成报告", "report"),
    "stage_bar": ("筛查", "screening"),
    "explain_title": (
        "企业：{name}（{code}），第 {row} 行；评估日期 {as_of}，用途 {purpose}",
        "Firm: {name} ({code}), row {row}; as of {as_of}, purpose {purpose}",
    ),
    "explain_tier": (
        "{tier}：{status}　依据 {regime}",
        "{tier}: {status}  under {regime} ({ruleset})",
    ),
    "explain_score": ("　得分 {score}", "  score {score}"),
    "explain_class": ("　规模 {size}", "  size {size}"),
    "explain_value": ("当前值", "Value"),
    "explain_required": ("要求", "Required"),
    "explain_margin": ("临界幅度", "Margin"),
    "explain_points": ("评分明细", "Points"),
    "explain_indicator": ("指标", "Indicator"),
    "explain_max": ("满分", "Max"),
    "explain_assumption": ("假设：{note}", "Assumed: {note}"),
    "explain_flags": ("标记：{flags}", "Flags: {flags}"),
    "risk_words": ("{tier}：{reason}", "{tier}: {reason}"),
    "list_separator": ("；", "; "),
    "colon": ("：", ": "),
    "heading_bar": ("｜", " | "),
    "enumeration": ("、", ", "),
    "comma": ("，", ", "),
    "no_value": ("—", "—"),
    "undecided_prefix": ("无法判定（缺数据）：", "cannot be judged (data missing): "),
    "with_note": ("{value}（{note}）", "{value} ({note})"),
    "change_from_to": ("{label}（{was} → {now}）", "{label} ({was} → {now})"),
    "flag_separator": ("　", ", "),
    "date_span": ("{start} — {end}", "{start} — {end}"),
    "web_firm_empty": ("请输入企业名称或统一社会信用代码。", "Enter a firm's name or credit code."),
    "explain_none": ("无", "none"),
    "explain_unjudged": ("未判定", "not judged"),
    "explain_not_found": (
        "找不到企业：{firm}（按统一社会信用代码或企业名称查找）",
        "No firm matches {firm} (credit code or name)",
    ),
    "explain_ambiguous": (
        "“{firm}”对应 {count} 家企业，请用统一社会信用代码或完整企业名称指定其中一家：",
        "'{firm}' matches {count} firms; name one by its credit code or full name:",
    ),
    "explain_candidate": ("{code}　{name}（第 {row} 行）", "{code}  {name} (row {row})"),
    "explain_more_candidates": ("……另有 {count} 家未列出", "... and {count} more"),
    "explain_unknown_tier": (
        "未知梯度：{tier}{suggestion}。可选：{choices}",
        "Unknown tier: {tier}{suggestion}. Choose from: {choices}",
    ),
    "explain_tier_choice": ("{id}（{label}）", "{id} ({label})"),
    "explain_list_sep": ("、", ", "),
    "explain_note_item": ("{name}：{value}", "{name}: {value}"),
    "explain_note_sep": ("；", "; "),
    "explain_not_large": ("不属于大型企业（中小企业）", "Not a large firm (an SME)"),
    "explain_large_bound": ("大型企业标准：{field}", "Large-firm bound: {field}"),
    "diff_title": ("对比：{a} → {b}，共 {count} 处变化", "Compared {a} → {b}: {count} changes"),
    "diff_firms_heading": ("逐户变化（{count} 处）：", "Changes by firm ({count}):"),
    "diff_tier_line": (
        "{tier}：新符合 {gained}，不再符合 {lost}，其他变化 {other}",
        "{tier}: newly eligible {gained}, no longer eligible {lost}, other changes {other}",
    ),
    "diff_flag_line": ("{flag}：新增 {gained}，消失 {lost}", "{flag}: new {gained}, gone {lost}"),
    "diff_status_before": ("之前结论", "Status before"),
    "diff_status_after": ("之后结论", "Status after"),
    "diff_borderline_before": ("之前临界", "Borderline before"),
    "diff_borderline_after": ("之后临界", "Borderline after"),
    "diff_yes": ("是", "yes"),
    "diff_no": ("否", "no"),
    "diff_list": ("、", ", "),
    "diff_reason": ("{label}：{criteria}", "{label}: {criteria}"),
    "diff_reasons": ("（{reasons}）", " ({reasons})"),
    "diff_reasons_join": ("；", "; "),
    "diff_before": ("之前", "Before"),
    "diff_after": ("之后", "After"),
    "diff_item": ("项目", "Item"),
    "diff_now_failing": ("新不满足的条件", "Now failing"),
    "diff_now_passing": ("不再不满足的条件", "No longer failing"),
    "diff_not_evaluated": ("未评估", "not evaluated"),
    "diff_written": ("对比明细已写入：{path}", "Diff written: {path}"),
    "plan_intro": ("最少调整：{moves}", "cheapest moves: {moves}"),
    "plan_points": ("{name} {start}→{end}分", "{name} {start}→{end}"),
    "plan_change": ("（{field}{verb}{amount}）", " ({field} {verb} {amount})"),
    "plan_items": ("（新增：{items}）", " (add: {items})"),
    "plan_choice": ("（{field}达到“{choice}”）", " ({field} to '{choice}')"),
    # a yearly field's label (营业收入（上年度）): the rule language names the years by these words
    "field_in_year": ("{label}（{year}）", "{label} ({year})"),
    "year_y1": ("上年度", "last year"),
    "year_y2": ("前年度", "year before last"),
    "year_y3": ("大前年度", "three years ago"),
    # fields counted from the year of as_of (year_base: as_of): y1 is this year
    "current_year_y1": ("本年度", "this year"),
    "current_year_y2": ("上一年度", "last year"),
    "current_year_y3": ("前两年度", "two years ago"),
    # rule documents (eligibility rules docs)
    "doc_index_title": ("规则集一览", "Rule sets"),
    "doc_index_intro": (
        "本目录由 `eligibility rules docs` 根据 `rules/` 生成，请勿手工修改。",
        "Generated from `rules/` by `eligibility rules docs`; do not edit by hand.",
    ),
    "doc_index_head": (
        "| 梯度 | 规则集 | 政策口径 | 生效日期 | 适用 |",
        "| Tier | Rule set | Regime | In force | Purposes |",
    ),
    "doc_ruleset": ("规则集", "Rule set"),
    "doc_version": ("版本", "version"),
    "doc_source": ("政策依据", "Source"),
    "doc_confidence": ("置信度", "confidence"),
    "doc_policy": (
        "文件说明（日期、效力、置信度、未决问题）：[docs/policy.md{anchor}](../policy.md{anchor})",
        "About the documents (dates, status, confidence, open questions): [docs/policy.md{anchor}](../policy.md{anchor})",
    ),
    "doc_effective": ("生效日期", "In force"),
    "doc_effective_for": ("{purpose}：{start} 至 {end}", "{purpose}: {start} to {end}"),
    "doc_open_end": ("今", "now"),
    "doc_purposes": ("适用", "Purposes"),
    "doc_validity": ("称号有效期", "Title valid for"),
    "doc_rounds": ("复核轮次", "Review rounds"),
    "doc_rounds_rule": (
        "（称号在其到期年份的复核轮次复核，按到期年份逐户选用规则）",
        " (a title is re-reviewed in the round of the year it expires; the rule set is chosen per firm by that year)",
    ),
    "doc_years": ("{n} 年", "{n} years"),
    "doc_requires_title": ("须持有称号", "Title required"),
    "needs_title": ("须持有有效的{title}称号", "Must hold a valid {title} title"),
    "doc_note": ("说明", "Note"),
    "doc_criteria": ("认定条件", "Conditions"),
    "doc_all": ("以下全部满足", "all of the following"),
    "doc_any": ("以下满足其一", "any of the following"),
    "doc_only": ("仅{purposes}", "{purposes} only"),
    "doc_route": ("路径：{route}", "route: {route}"),
    "doc_margin": ("临界幅度 {margin}", "borderline margin {margin}"),
    "doc_margin_relative": ("阈值的 {pct}（{value}）", "{pct} of the threshold ({value})"),
    "doc_missing": ("缺列时：{note}", "if the column is missing: {note}"),
    "doc_match": ("「{field}」为 {values}", "'{field}' is {values}"),
    "doc_review": ("人工判定", "judged by a person"),
    "doc_review_verdict": (
        "人工判定（可在「{field}」列填写判定结果）",
        "judged by a person (verdict column '{field}')",
    ),
    "doc_requires": ("须符合「{tier}」", "must qualify as '{tier}'"),
    "doc_holds": (
        "持有有效期内的「{tier}」称号（或可替代的、更高梯度的称号）",
        "holds a valid '{tier}' title (or one that satisfies it, or a higher one)",
    ),
    "doc_score": ("{group}得分 {op} {value} 分", "{group} score {op} {value}"),
    "doc_total": ("评价总分", "total"),
    "doc_points": ("评分表（满分 {max} 分）", "Points table (maximum {max})"),
    "doc_group": ("{label}（{max} 分）", "{label} ({max} points)"),
    "doc_points_head": ("| 指标 | 满分 | 计分规则 | 依据 |", "| Indicator | Max | Scoring | Source |"),
    "doc_band_points": ("{range}：{points} 分", "{range}: {points}"),
    "doc_and": (" 且 ", " and "),
    "doc_any_value": ("任意值", "any value"),
    "doc_per": (
        "「{field}」每满 {step} 得 {points} 分，最高 {max} 分",
        "{points} per full {step} of '{field}', at most {max}",
    ),
    "doc_count": (
        "每满足一项得 {points} 分，最高 {max} 分：{fields}",
        "{points} per item met, at most {max}: {fields}",
    ),
    "doc_cascade_otherwise": ("否则 {points} 分", "otherwise {points}"),
    "doc_input": ("取输入「{field}」，0—{max} 分", "the input '{field}', 0 to {max}"),
    "doc_best_of": ("取高者", "the better of"),
    "doc_lookup_value": ("{label} {points} 分", "{label}: {points}"),
    "doc_classes": ("划型标准（{by}）", "Size classes (by {by})"),
    "doc_classes_intro": (
        "按行业逐类判断：满足某一类的全部下限即为该类，依次为 {order}；均不满足为{last}。{eligible}为中小企业。",
        "Per industry, a firm is of the first class whose every lower bound it meets, in the order {order}; otherwise {last}. {eligible} are SMEs.",
    ),
    "doc_classes_head": ("| 行业 | {classes} | 依据 |", "| Industry | {classes} | Source |"),
    "doc_overlay_intro": (
        "省级特色化指标：对所属省份为 {provinces} 的企业，以下指标之和替代评分指标 `{indicator}`（其他企业仍取输入列）。依据：{source}",
        "Provincial indicators: for firms of {provinces}, these indicators replace `{indicator}` (other firms keep the input column). Source: {source}",
    ),
    "doc_yes": ("是", "yes"),
    "doc_no": ("否", "no"),
    "doc_span": ("{start} — {end}", "{start} to {end}"),
    "doc_tags": ("【{tags}】", "[{tags}] "),
    "doc_node": ("**{label}**（{kind}）`{id}`", "**{label}** ({kind}) `{id}`"),
    "doc_cited": ("〔{source}〕", " [{source}]"),
    # a regime's document number ends with this mark (115号, 国统字〔2010〕87号): the rule files name
    # regimes in Chinese in both languages, so both values are the same
    "doc_number_mark": ("号", "号"),
    "unit_fraction": ("{value}个百分点", "{value} percentage points"),
    "unit_wan_yuan": ("{value}万元", "{value} 万元"),
    "unit_persons": ("{value}人", "{value} persons"),
    "unit_count": ("{value}项", "{value}"),
    "unit_years": ("{value}年", "{value} years"),
    "unit_points": ("{value}分", "{value} points"),
    "unit_level": ("{value}级", "level {value}"),
    "unit_rank": ("{value}名", "{value} places"),
    "unit_name_rank": ("名次", "rank"),
    "doc_conf_H": ("高", "high"),
    "doc_conf_M": ("中", "medium"),
    "doc_conf_L": ("低", "low"),
    "doc_docs_written": (
        "已生成 {count} 个规则文档：{directory}",
        "Wrote {count} rule documents to {directory}",
    ),
    "doc_stale": (
        "规则文档已过期，请运行 eligibility rules docs -o {directory}",
        "Rule documents are stale; run eligibility rules docs -o {directory}",
    ),
    "progress": ("正在评估 {firms} 家企业……", "Evaluating {firms} firms..."),
    # HTML report
    "report_title": ("优质中小企业梯度培育筛查报告", "SME ladder screening report"),
    "report_meta": (
        "{firms} 家企业 · 评估日期 {as_of} · 用途：{purpose} · 政策口径：{regimes}",
        "{firms} firms · as of {as_of} · purpose: {purpose} · regimes: {regimes}",
    ),
    "report_offline": (
        "本报告为单一文件，不联网也可查看和打印。",
        "A single file: opens and prints offline.",
    ),
    "sec_overview": ("总览", "Overview"),
    "sec_pyramid": ("梯度金字塔", "The ladder"),
    "pyramid_note": (
        "左侧：现有称号的企业数；右侧：按现行规则当前符合条件的企业数；括注为晋级候选和退库风险企业数。",
        "Left: firms holding the title; right: firms eligible now under the rules in force; in brackets, "
        "promotion candidates and titles at risk.",
    ),
    "pyramid_empty": (
        "没有企业持有或当前符合任何梯度称号，金字塔为空。",
        "No firm holds or is eligible now for any ladder title: the pyramid is empty.",
    ),
    "pyramid_titled": ("现有称号", "Holding the title"),
    "pyramid_eligible": ("当前符合", "Eligible now"),
    "pyramid_counts": (
        "晋级候选 {promotion} · 退库风险 {at_risk}",
        "promotion {promotion} · at risk {at_risk}",
    ),
    "sec_scores": ("得分分布", "Score distributions"),
    "score_chart_title": (
        "{tier}：合格线 {mark} 分，临界带 {low}–{high} 分",
        "{tier}: pass mark {mark}, borderline band {low}–{high}",
    ),
    "score_axis": ("总分", "Total score"),
    "firms_axis": ("企业数", "Firms"),
    "score_mark": ("合格线", "pass mark"),
    "score_band": ("临界带", "borderline band"),
    "score_empty": (
        "没有得分已确定的企业，暂无分布可画。",
        "No firm has a determined score: there is no distribution to draw.",
    ),
    "score_unknown": (
        "另有 {count} 家企业缺少数据、得分未定，未计入分布。",
        "{count} more firms have an undetermined score (missing data) and are not counted.",
    ),
    "sec_heatmap": ("短板热力图", "What holds the pool back"),
    "heatmap_note": (
        "每格：该梯度下因这一条件未满足而不符合的企业占全部企业的比例，按最高比例排序，至多 {rows} 项；"
        "标“（任一）”的是可选路径之一。",
        "Each cell: the share of all firms that fail the tier on this criterion, rows by their highest "
        "share, at most {rows}; “(one of)” marks one of alternative routes.",
    ),
    "heatmap_share": ("占比", "share"),
    "any_prefix": ("（任一）", "(one of) "),
    "closest_prefix": ("（多项择一，最接近的一项）", "(closest of the alternatives) "),
    "sec_lists": ("重点名单", "Flagged lists"),
    "list_more": (
        "共 {total} 条，此处列出前 {shown} 条；完整名单见工作簿。",
        "{total} rows; the first {shown} shown here, all of them in the workbook.",
    ),
    "list_empty": ("无。", "None."),
    "list_no_firm": ("本名单中没有企业。", "No firm in this list."),
    "sec_cards": ("企业档案", "Firm cards"),
    "cards_note": (
        "点击企业展开完整说明；可按名称或统一社会信用代码查找。",
        "Click a firm to open its explanation; search by name or credit code.",
    ),
    "cards_search": ("查找企业名称或统一社会信用代码", "Search by firm name or credit code"),
    "cards_more": ("显示更多", "Show more"),
    "cards_count": ("显示 {shown} / {total} 家", "Showing {shown} of {total} firms"),
    "cards_loading": ("正在载入企业数据……", "Loading firm data…"),
    "cards_unsupported": (
        "此浏览器无法解压企业数据，请用新版 Chrome、Edge 或 Firefox 打开。",
        "This browser cannot unpack the firm data; open the report in a current Chrome, Edge or Firefox.",
    ),
    "card_row": ("第 {row} 行", "row {row}"),
    "card_flags": ("标记", "Flags"),
    "card_issues": ("数据问题", "Data issues"),
    "sec_rules": ("规则与数据", "Rules and data"),
    "no_issues": ("未发现数据问题。", "No data issues found."),
    "issues_more": (
        "共 {total} 条数据问题，此处列出前 {shown} 条；完整清单见工作簿。",
        "{total} data issues; the first {shown} shown here, all of them in the workbook.",
    ),
    "report_written": ("报告已写入：{path}", "Report written: {path}"),
    "summary_flag": ("{flag} {count} 家", "{flag} {count}"),
    # the web page
    "web_title": ("优质中小企业梯度培育 · 筛查", "SME ladder screening"),
    "web_intro": (
        "上传培育库表格（.xlsx、.xls、.csv 或 .parquet），选择评估日期，点击“开始筛查”。文件只在本机处理，处理完即删除。",
        "Upload the pool (.xlsx, .xls, .csv or .parquet), pick the date and press Screen. The file is processed on this computer only and deleted afterwards.",
    ),
    "web_file": ("培育库表格", "Pool workbook"),
    "web_use_sample": ("使用内置示例数据（300 家虚构企业）", "Use the bundled sample (300 fictional firms)"),
    "web_as_of": ("评估日期", "Assessment date"),
    "web_purpose": ("用途", "Purpose"),
    "web_regime": ("政策口径", "Regime"),
    "web_regime_auto": ("按评估日期自动选择（现行规则）", "By date (the rules in force)"),
    "web_run": ("开始筛查", "Screen"),
    "web_template": ("下载空白填报模板", "Download the empty template"),
    "web_limits": ("单个文件不超过 {mb} MB、{rows} 行。", "Up to {mb} MB and {rows} rows per file."),
    "web_download_workbook": ("下载筛查结果工作簿", "Download the reviewer's workbook"),
    "web_download_report": ("下载 HTML 报告", "Download the HTML report"),
    "web_explain": ("查看单个企业的完整说明", "One firm's full explanation"),
    "web_explain_placeholder": ("统一社会信用代码或企业名称", "Credit code or firm name"),
    "web_explain_button": ("查看", "Show"),
    "web_result": ("筛查结果", "Results"),
    "web_stage_queued": ("排队中……", "Queued…"),
    "web_stage_reading": ("正在读取表格……", "Reading the workbook…"),
    "web_stage_evaluating": ("正在评估……", "Evaluating…"),
    "web_stage_workbook": ("正在生成工作簿……", "Writing the workbook…"),
    "web_stage_report": ("正在生成报告……", "Writing the report…"),
    "web_stage_done": ("完成", "Done"),
    "web_stage_failed": ("未完成", "Failed"),
    "web_empty": ("上传的文件是空的（0 字节），请重新选择文件。", "The uploaded file is empty (0 bytes)."),
    "web_too_large": (
        "文件过大（{size} MB），网页版上限为 {limit} MB；更大的文件请用命令行 eligibility screen。",
        "The file is too large ({size} MB; the page takes up to {limit} MB). Use eligibility screen for larger files.",
    ),
    "web_bad_type": (
        "不支持的文件类型“{suffix}”：请上传 .xlsx、.xls、.csv 或 .parquet 表格。",
        "Unsupported file type {suffix!r}: upload an .xlsx, .xls, .csv or .parquet table.",
    ),
    "web_not_xlsx": (
        "这个文件的扩展名是 .xlsx，但内容不是 Excel 工作簿（可能是改了扩展名的文本文件）。",
        "The file is named .xlsx but is not an Excel workbook (perhaps a renamed text file).",
    ),
    "web_no_file": (
        "请选择要上传的表格文件，或勾选使用示例数据。",
        "Choose a file to upload, or tick the sample.",
    ),
    "web_too_many_rows": (
        "表格有 {rows} 行，超过网页版上限 {limit} 行；请用命令行 eligibility screen。",
        "The table has {rows} rows, above the page's limit of {limit}; use eligibility screen.",
    ),
    "web_failed": (
        "无法处理这个文件（{detail}）。请确认它是培育库表格，或先用“下载空白填报模板”整理数据。",
        "The file could not be processed ({detail}). Check it is a pool table, or start from the template.",
    ),
    "web_internal": (
        "内部错误（{detail}）：表格已读取，但生成结果时本工具出错，这不是表格的问题。"
        "请把这条消息和所用表格交给维护人员。",
        "Internal error ({detail}): the table was read, but this tool failed while producing the results; "
        "this is not a problem with the table. Please report it with the table used.",
    ),
    "web_no_job": (
        "找不到这次筛查（可能已过期），请重新筛查。",
        "No such run (it may have expired); screen again.",
    ),
    "web_not_ready": ("结果尚未生成。", "The results are not ready yet."),
    "web_firm_not_found": ("没有找到企业“{firm}”。", "No firm matches {firm!r}."),
    "web_missing": (
        "网页版需要 FastAPI 和 uvicorn：pip install 'eligibility[web]'",
        "The web page needs FastAPI and uvicorn: pip install 'eligibility[web]'",
    ),
    "web_local": (
        "网页已启动：http://{host}:{port}/ （仅本机可访问，无需令牌；如需同事访问，请显式加 --host 0.0.0.0）",
        "Serving at http://{host}:{port}/ (this computer only, no token needed; pass --host 0.0.0.0 to share it)",
    ),
    "web_shared": (
        "网页已启动：http://{host}:{port}/ ——注意：已绑定 {host}，同一网络中的其他电脑也能访问。"
        "凭访问令牌才能使用：{token}（网页第一次打开时输入；其他程序在请求头 {header} 中发送）。"
        "可用的地址：{hosts}；其他名称请用 --allowed-host 添加。",
        "Serving at http://{host}:{port}/ — note: bound to {host}, other computers on the network can reach it. "
        "It needs the access token {token} (typed once in the page; other programs send it in the {header} "
        "header). Names it answers to: {hosts}; add others with --allowed-host.",
    ),
    "web_bad_host": (
        "拒绝访问：请求的主机名“{host}”不是本服务的地址（防止 DNS 重绑定）；请用启动时显示的地址，或以 --allowed-host 添加。",
        "Refused: the host {host!r} is not this server's address (DNS rebinding); use the address shown at "
        "start, or add it with --allowed-host.",
    ),
    "web_token_needed": (
        "需要访问令牌：请在网页中输入启动时显示的令牌，或在请求头 {header} 中发送。",
        "An access token is needed: type the token shown at start in the page, or send it in the {header} header.",
    ),
    "web_foreign_origin": (
        "拒绝访问：这个请求来自其他网页，只有本服务自己的网页可以提交筛查。",
        "Refused: this request comes from another web page; only this server's own page may submit.",
    ),
    "web_body_too_large": (
        "上传的内容超过上限 {limit} MB，未接收；更大的文件请用命令行 eligibility screen。",
        "The upload is above the limit of {limit} MB and was not received; use eligibility screen for larger files.",
    ),
    "web_use_cli": (
        "。网页版有这个上限；确认文件无误后，可用命令行 eligibility screen 处理。",
        ". The page has this limit; if the file is right, use eligibility screen.",
    ),
    "web_busy": (
        "正在处理的筛查已满，请约 {seconds} 秒后再试。",
        "Every worker is busy and the queue is full; try again in about {seconds} seconds.",
    ),
    "web_queue_position": ("排队中，前面还有 {ahead} 个筛查……", "Queued: {ahead} run(s) ahead…"),
    "web_expired": (
        "这次筛查的结果已过期（保留 30 分钟，或为新的筛查腾出了内存），请重新筛查。",
        "The results of this run have expired (kept 30 minutes, or dropped to make room); screen again.",
    ),
    "web_login_title": ("请输入访问令牌", "Enter the access token"),
    "web_login_intro": (
        "这个网页与同一网络中的电脑共享，凭启动时显示的访问令牌才能使用；令牌只需输入一次。",
        "This page is shared on the network and needs the access token shown at start; you type it once.",
    ),
    "web_login_token": ("访问令牌", "Access token"),
    "web_login_button": ("进入", "Enter"),
    "web_login_failed": (
        "令牌不正确，请核对启动时显示的令牌。",
        "Wrong token; check the token shown at start.",
    ),
    # the web page's 培育库 tab (eligibility/apps/web_pool.py)
    "web_tab_screen": ("筛查", "Screening"),
    "web_tab_pool": ("培育库", "Cultivation pool"),
    "web_pool_title": ("培育库", "Cultivation pool"),
    "web_pool_intro": (
        "这里只读取培育库，不会改动它；新一期表格请用 eligibility pool add 存入，年度目标用 eligibility pool targets set 设定。",
        "The page only reads the pool; store a new sheet with eligibility pool add and set the year's targets with eligibility pool targets set.",
    ),
    "web_pool_db": ("培育库数据库：{db}", "Pool database: {db}"),
    "web_pool_not_chosen": (
        "没有指定培育库。启动网页时用 eligibility serve --db 培育库.sqlite 指定，或设置环境变量 ELIGIBILITY_DB；还没有培育库时，先用 eligibility pool add 表格.xlsx --as-of 2026-09-30 --db 培育库.sqlite 存入第一期。",
        "No pool database was chosen. Start the page with eligibility serve --db pool.sqlite or set ELIGIBILITY_DB; without a pool yet, store a first sheet with eligibility pool add SHEET.xlsx --as-of 2026-09-30 --db pool.sqlite.",
    ),
    "web_pool_db_missing": (
        "还没有培育库（{path}）。请先在命令行存入第一期快照：eligibility pool add 表格.xlsx --as-of 2026-09-30 --db {path}，然后刷新本页。",
        "There is no pool database yet ({path}). Store a first snapshot on the command line: eligibility pool add SHEET.xlsx --as-of 2026-09-30 --db {path}, then reload this page.",
    ),
    "web_pool_serving": ("培育库页签读取：{db}", "The pool tab reads: {db}"),
    "web_pool_serving_missing": (
        "培育库页签读取：{db}（尚不存在，用 eligibility pool add … --db {db} 建立）",
        "The pool tab reads: {db} (not there yet: make it with eligibility pool add … --db {db})",
    ),
    "web_pool_snapshots": ("快照", "Snapshots"),
    "web_pool_col_as_of": ("快照日期", "As of"),
    "web_pool_col_label": ("名称", "Label"),
    "web_pool_col_issues": ("数据问题", "Input issues"),
    "web_pool_col_source": ("来源表格", "Sheet"),
    "web_pool_col_imported": ("存入时间", "Stored at"),
    "web_pool_changes": ("变化与监测提醒", "Changes and monitor alerts"),
    "web_pool_from": ("从", "From"),
    "web_pool_to": ("到", "To"),
    "web_pool_previous": ("上一期", "the snapshot before"),
    "web_pool_show": ("查看", "Show"),
    "web_pool_download_changes": ("下载变化明细工作簿", "Download the changes workbook"),
    "web_pool_download_page": ("下载网页", "Download the page"),
    "web_pool_firm": ("企业历史", "A firm's history"),
    "web_pool_firm_placeholder": ("统一社会信用代码或企业名称", "Credit code or firm name"),
    "web_pool_pick": ("请选择其中一家：", "Pick one of them:"),
    "web_pool_targets": ("年度培育目标", "The year's targets"),
    "web_pool_year": ("年度", "Year"),
    "web_pool_officers": ("服务专员任务与乡镇汇总", "Service officers' tasks and townships"),
    "web_pool_at": ("快照", "Snapshot"),
    "web_pool_download_officers": ("下载服务专员任务表（全部）", "Download the officers' workbook (all)"),
    "web_pool_download_townships": ("下载乡镇汇总", "Download the township summary"),
    "web_pool_col_changed": ("本期有变化", "Changed"),
    "web_pool_download": ("下载", "Download"),
    "web_pool_no_officer": (
        "该快照中没有服务专员“{officer}”的企业。",
        "No firm of officer {officer!r} in that snapshot.",
    ),
    "web_pool_file_changes": ("培育库变化", "pool-changes"),
    "web_pool_file_firm": ("企业历史", "firm-history"),
    "web_pool_file_officers": ("服务专员任务", "officer-tasks"),
    "web_pool_file_townships": ("乡镇汇总", "townships"),
    "watch_malformed_line": (
        "第 {line} 行不是有效的 JSON 对象（{detail}），已跳过",
        "Line {line} is not a JSON object ({detail}); skipped",
    ),
    "watch_unknown_firm": (
        "第 {line} 行：培育库中没有统一社会信用代码为“{code}”的企业，已跳过",
        "Line {line}: no firm with credit code {code!r} in the pool; skipped",
    ),
    "watch_unknown_field": (
        "第 {line} 行（{code}）：未知字段 {fields}，整行未采用",
        "Line {line} ({code}): unknown field(s) {fields}; the line was not applied",
    ),
    "watch_bad_value": (
        "第 {line} 行（{code}）：{detail}，整行未采用",
        "Line {line} ({code}): {detail}; the line was not applied",
    ),
    "watch_value": ("{field} 的值“{value}”{reason}", "{field} = {value!r}: {reason}"),
    "short_not_a_number": ("不是数字", "not a number"),
    "short_negative_value": ("不能为负数", "cannot be negative"),
    "short_out_of_range": ("超出允许范围", "out of range"),
    "short_unknown_category": ("无法识别", "not a known choice"),
    "short_bad_bool": ("应为是或否", "must be yes or no"),
    "short_bad_date": ("不是有效日期", "not a valid date"),
    "watch_alert": (
        "【变化】{name}（{code}）{tier}：{before} → {after}；变动条件：{moved}",
        "[change] {name} ({code}) {tier}: {before} → {after}; criteria that moved: {moved}",
    ),
    "watch_started": (
        "监测中：{firms} 家企业，评估日期 {as_of}；每行一条企业更新（JSON），Ctrl+C 结束",
        "Watching {firms} firms as of {as_of}; one firm update (JSON) per line, Ctrl+C to stop",
    ),
    "watch_state_loaded": ("已从状态文件恢复 {firms} 家企业：{path}", "Restored {firms} firms from {path}"),
    "watch_state_saved": ("监测状态已保存：{path}", "Monitor state saved to {path}"),
    "watch_state_bad": (
        "监测状态文件无法使用：{path}（{detail}）。请删除或改名该文件后重新开始（从培育库的数据开始），或用 --state 指定另一个文件",
        "The monitor state file cannot be used: {path} ({detail}). Delete or rename it to start afresh from the "
        "pool, or give another file with --state",
    ),
    "state_not_json": (
        "不是完整的 JSON：第 {line} 行第 {column} 列",
        "not complete JSON: line {line}, column {column}",
    ),
    "state_binary": ("不是文本文件", "not a text file"),
    "state_shape": ("内容结构不对：{detail}", "wrong structure: {detail}"),
    "state_version": (
        "版本为 {found}，本程序读取版本 {expected}",
        "version {found}; this program reads version {expected}",
    ),
    "state_record": (
        "企业 {code} 的记录无法使用（{detail}）",
        "the record of firm {code} cannot be used ({detail})",
    ),
    "folder_needs_dask": (
        "输入是文件夹：{path}；分区数据请加 --engine dask",
        "The input is a folder: {path}; partitioned data needs --engine dask",
    ),
    "dask_missing": (
        "未安装 Dask：请运行 pip install 'eligibility[dask]'",
        "Dask is not installed: pip install 'eligibility[dask]'",
    ),
    "durable_missing": (
        "未安装 durable-rules（监测 watch 与 durable 后端需要它）：请运行 pip install 'eligibility[durable]'",
        "durable-rules is not installed (the monitor and the durable backend need it): "
        "pip install 'eligibility[durable]'",
    ),
    "dask_format": ("Dask 引擎只输出 parquet 或 csv", "The Dask engine writes parquet or csv"),
    "dask_output_exists": (
        "输出文件夹已存在且不为空：{path}（不会覆盖）",
        "The output folder exists and is not empty: {path} (nothing is overwritten)",
    ),
    "dask_connected": ("已连接 Dask 集群：{address}", "Connected to the Dask cluster at {address}"),
    "assumption_firms": ("（{firms} 家）", " ({firms} firms)"),
    "col_flags": ("标记", "Flags"),
    "col_explain": ("未满足条件与差距", "What fails and what would qualify"),
    # the reviewer's workbook: a status with its borderline mark, the 300号 size classes, the printed page
    "status_marked": ("{status}（{mark}）", "{status} ({mark})"),
    "sheet_size": ("企业规模", "Size classes"),
    "col_size_class": ("规模", "Size"),
    "size_large": ("大型", "large"),
    "size_medium": ("中型", "medium"),
    "size_small": ("小型", "small"),
    "size_micro": ("微型", "micro"),
    "size_undetermined": ("未能判定", "undetermined"),
    "col_size_note": ("说明", "Note"),
    "size_note_sme": ("属于中小企业", "an SME"),
    "size_note_not_sme": ("不属于中小企业", "not an SME"),
    "size_note_undetermined": ("缺少划型所需数据，未能判定规模", "data the classes need are missing"),
    "size_count": ("{size} {count} 家", "{size} {count}"),
    "size_line": ("企业规模（{source}）：", "Size classes ({source}): "),
    "size_sheet_line": (
        "按{source}划型，评估日期 {as_of}；“未能判定”为缺少划型所需数据的企业",
        "Classed by {source} as of {as_of}; “undetermined” firms lack data the classes need",
    ),
    "print_title": ("优质中小企业梯度培育筛查结果", "SME ladder screening results"),
    "print_as_of": ("评估日期 {as_of}", "As of {as_of}"),
    "print_page": ("第 &P 页，共 &N 页", "Page &P of &N"),
    # the cultivation pool (eligibility pool …): its database, snapshots, changes, history, targets
    "pool_missing": (
        "培育库功能需要安装扩展：pip install 'eligibility[pool]'",
        "The pool needs its extra: pip install 'eligibility[pool]'",
    ),
    "pool_added": (
        "已存入培育库快照 {as_of}（{label}）：{firms} 家企业，{issues} 条数据问题记录；数据库：{db}",
        "Stored the pool snapshot as of {as_of} ({label}): {firms} firms, {issues} input issue(s); database: {db}",
    ),
    "pool_replaced": ("（已替换同日期的旧快照）", " (replaced the earlier snapshot of that date)"),
    "pool_snapshot_exists": (
        "培育库中已有 {as_of} 的快照；如要用新表格替换，请加 --replace",
        "The pool already holds a snapshot as of {as_of}; add --replace to replace it with this sheet",
    ),
    "pool_unknown_snapshot": (
        "培育库中没有快照“{snapshot}”；已有的快照日期：{known}",
        "The pool has no snapshot '{snapshot}'; stored snapshots: {known}",
    ),
    "pool_no_snapshots": (
        "培育库中还没有快照：请先用 eligibility pool add 表格.xlsx --as-of 日期 存入一期",
        "The pool holds no snapshot yet: store one first with eligibility pool add SHEET.xlsx --as-of DATE",
    ),
    "pool_mismatch_rules": (
        "该培育库是用另一套规则文件建立的（库中 {stored}，当前 {current}），不能混用；请使用当初的规则（--rules），或确认规则已更新后加 --accept-rules",
        "This pool database was built with other rule files (stored {stored}, current {current}); use the rules it was built with (--rules), or add --accept-rules once the change of rules is intended",
    ),
    "pool_mismatch_pool": (
        "该数据库属于另一个培育库（“{stored}”），不是“{current}”；请检查 --db",
        "This database belongs to another pool ('{stored}'), not '{current}'; check --db",
    ),
    "pool_mismatch_schema": (
        "该培育库由更新版本的程序建立（数据库版本 {stored}，本程序最高 {current}）；请升级 eligibility",
        "This pool database was made by a newer program (schema {stored}, this program knows up to {current}); upgrade eligibility",
    ),
    "pool_unavailable": (
        "无法打开培育库 {url}：{detail}",
        "Cannot open the pool database {url}: {detail}",
    ),
    "pool_db_missing": (
        "培育库文件不存在：{path}；请先用 eligibility pool add 存入一期，或用 --db 指定已有的库",
        "No pool database at {path}; store a first snapshot with eligibility pool add, or name an existing one with --db",
    ),
    "pool_firm_not_found": ("培育库中没有与“{firm}”对应的企业", "No firm of the pool answers to '{firm}'"),
    "pool_firm_ambiguous": (
        "有 {count} 家企业与“{firm}”对应，请给出其中一家的统一社会信用代码：",
        "{count} firms answer to '{firm}'; give the credit code of one of them:",
    ),
    "pool_candidate_item": ("  {code}　{name}", "  {code}  {name}"),
    "pool_targets_saved": ("已保存 {year} 年目标：{targets}", "Saved the targets of {year}: {targets}"),
    "pool_target_item": ("{tier} {count} 家", "{tier} {count}"),
    "pool_target_bad": (
        "目标应写成 梯度=家数，如 srdi_sme=2，而不是“{value}”",
        "A target is written tier=count, e.g. srdi_sme=2, not '{value}'",
    ),
    "pool_unknown_tier": (
        "没有梯度“{tier}”（是否应为“{suggestion}”？）；可用：{tiers}",
        "No tier '{tier}' (did you mean '{suggestion}'?); tiers: {tiers}",
    ),
    "pool_changes_written": ("变化明细已写入：{path}", "Changes written: {path}"),
    "pool_snapshots_title": ("培育库 {db}：{count} 期快照", "Pool {db}: {count} snapshot(s)"),
    "pool_snapshot_line": (
        "  {as_of}　{label}　{firms} 家企业　{issues} 条数据问题　来源 {source}",
        "  {as_of}  {label}  {firms} firms  {issues} issue(s)  from {source}",
    ),
    "pool_col_change": ("变化", "Change"),
    "pool_col_before": ("之前", "Before"),
    "pool_col_after": ("之后", "After"),
    "pool_col_borderline_before": ("之前临界", "Borderline before"),
    "pool_col_borderline_after": ("之后临界", "Borderline after"),
    "pool_col_now_failing": ("新不满足的条件", "Now failing"),
    "pool_col_now_passing": ("不再不满足的条件", "No longer failing"),
    "pool_col_field": ("字段", "Field"),
    "pool_kind_title_lost": ("失去称号", "title lost"),
    "pool_kind_title_review_due": ("称号临近复核", "title up for review"),
    "pool_expires_part": ("：有效期至 {date}", ": valid until {date}"),
    "pool_kind_became_ineligible": ("不再符合", "no longer eligible"),
    "pool_kind_into_borderline": ("进入临界", "into the borderline zone"),
    "pool_kind_issues_appeared": ("新出现数据问题", "data issue appeared"),
    "pool_kind_left": ("移出培育库", "left the pool"),
    "pool_kind_became_eligible": ("新符合", "newly eligible"),
    "pool_kind_title_gained": ("获得称号", "title gained"),
    "pool_kind_out_of_borderline": ("离开临界", "out of the borderline zone"),
    "pool_kind_status_changed": ("结论变化", "status changed"),
    "pool_kind_entered": ("新入库", "entered the pool"),
    "pool_kind_renamed": ("企业更名", "renamed"),
    "pool_kind_issues_fixed": ("数据问题已改正", "data issue fixed"),
    "pool_kind_count": ("{kind} {count}", "{kind} {count}"),
    "pool_list_separator": ("；", "; "),
    "pool_sheet_changes": ("培育库变化", "Pool changes"),
    "pool_no_snapshot": ("（空库）", "(empty pool)"),
    "pool_changes_title": ("培育库变化：{since} → {until}", "Pool changes: {since} → {until}"),
    "pool_no_changes": ("两期之间没有变化", "Nothing changed between the two snapshots"),
    "pool_firm": ("{name}（{code}）", "{name} ({code})"),
    "pool_change_line": ("【{kind}】{who}", "[{kind}] {who}"),
    "pool_tier_part": ("　{tier}", " {tier}"),
    "pool_before_after": ("：{before} → {after}", ": {before} → {after}"),
    "pool_field_part": ("（{field}）", " ({field})"),
    "pool_now_failing_part": ("；新不满足：{criteria}", "; now failing: {criteria}"),
    "pool_now_passing_part": ("；不再不满足：{criteria}", "; no longer failing: {criteria}"),
    "pool_more": ("……另有 {count} 条变化，见 -o 输出的明细", "... {count} more change(s); see the -o output"),
    "pool_absent": ("不在库中", "not in the pool"),
    "pool_no_title": ("无", "none"),
    "pool_gap": ("{criterion}（{field}{verb}{amount}）", "{criterion} ({field}: {verb} {amount})"),
    "pool_no_targets": (
        "该年度还没有目标：请用 eligibility pool targets set 2026 tech_innovative_sme=5 srdi_sme=2 设定",
        "No targets for that year yet: set them with eligibility pool targets set 2026 tech_innovative_sme=5 srdi_sme=2",
    ),
    "pool_targets_title": (
        "{year} 年培育目标（截至 {as_of} 的快照；年内新获称号相对 {baseline} 计）",
        "Targets of {year} (snapshot as of {as_of}; titles gained counted against {baseline})",
    ),
    "pool_target_line": (
        "{tier}：目标 {target} 家，今年已获称号 {gained} 家，现可申报 {eligible} 家，临界未过 {near} 家 — {outlook}",
        "{tier}: target {target}, titles gained this year {gained}, can apply now {eligible}, near misses {near} — {outlook}",
    ),
    "pool_outlook_met": ("已完成", "met"),
    "pool_outlook_reachable": ("现可申报的企业足以完成", "the firms that can apply now suffice"),
    "pool_outlook_with_near_misses": (
        "还差 {shortfall} 家，需临界企业补齐差距",
        "{shortfall} short: the near misses must close their gaps",
    ),
    "pool_outlook_short": (
        "还差 {shortfall} 家，临界企业也不够",
        "{shortfall} short, more than the near misses",
    ),
    "pool_no_candidates": ("（没有候选企业）", "(no candidates)"),
    "pool_candidate_line": ("{rank}. {who}　{status}", "{rank}. {who}  {status}"),
    "pool_lacks_part": ("；差：{gaps}", "; lacks: {gaps}"),
    "pool_yes": ("是", "yes"),
    "pool_col_review_due": ("称号临近复核", "Title up for review"),
    "pool_col_changes": ("本期变化", "Changes since the last snapshot"),
    "pool_change_item": ("{kind}（{tier}）", "{kind} ({tier})"),
    "pool_no_township": ("（未填乡镇）", "(no township)"),
    "pool_col_officers": ("服务专员数", "Officers"),
    "pool_col_titles": ("持有称号", "Titles held"),
    "pool_col_borderline": ("临界企业", "Borderline firms"),
    "pool_col_eligible_now": ("现可申报", "Can apply now"),
    "pool_sheet_townships": ("乡镇汇总", "Townships"),
    "pool_sheet_no_officer": ("未分配服务专员", "No officer"),
    "pool_officers_title": (
        "服务专员任务（快照 {as_of}；变化相对 {since}）：{firms} 家企业，{officers} 位服务专员",
        "Service officers' tasks (snapshot {as_of}; changes since {since}): {firms} firms, {officers} officer(s)",
    ),
    "pool_officer_line": (
        "  {officer}：{firms} 家企业，称号临近复核 {due} 家，退库风险 {risk} 家，临界 {borderline} 家，本期有变化 {changed} 家",
        "  {officer}: {firms} firms, {due} title(s) up for review, {risk} at risk, {borderline} borderline, {changed} changed",
    ),
    "pool_export_written": (
        "培育库已导出到 {path}：{tables} 张表",
        "Pool exported to {path}: {tables} tables",
    ),
    "pool_export_table": ("{table} {rows} 行", "{table} {rows} rows"),
    "pool_export_not_empty": (
        "导出的文件夹须不存在或为空：{path}；请换一个文件夹，或导出为 .xlsx",
        "The export folder must be absent or empty: {path}; choose another folder, or export to .xlsx",
    ),
    "pool_export_cut": (
        "注意：{cells} 个单元格超过 Excel 单元格上限（32767 字），已截断；完整数据请导出为 Parquet 文件夹",
        "Note: {cells} cell(s) exceed Excel's 32,767 characters and were cut; export to a Parquet folder for every character",
    ),
    "pool_sign_plus": ("+", "+"),
    "pool_sign_minus": ("−", "−"),
    "pool_sign_zero": ("±", "±"),
    "pool_margin": ("{sign}{amount}", "{sign}{amount}"),
    "pool_margins_title": (
        "距各条件门槛（指标值 − 门槛值；“不低于”类为正即达标，“不超过”类为负即达标）：{code}",
        "Margin to each line (value − threshold; at least: positive meets it, at most: negative meets it): {code}",
    ),
    "watch_pool_or_db": (
        "请给出 --pool（表格）或 --db（培育库）之一",
        "Give one of --pool (a sheet) or --db (the pool database)",
    ),
    "watch_as_of_needed": ("--pool 时须给出 --as-of（评估日期）", "--as-of is needed with --pool"),
    "watch_db_no_state": (
        "--db 时监测状态存于培育库中，不用 --state",
        "With --db the monitor's state is kept in the pool database; --state is not used",
    ),
    "watch_db_started": (
        "在培育库 {db} 上监测：{as_of} 快照的 {firms} 家企业（{updated} 家已有更新）；每行一条企业更新（JSON），Ctrl+C 结束",
        "Watching on the pool {db}: {firms} firms of the {as_of} snapshot ({updated} already updated);"
        " one firm update (JSON) per line, Ctrl+C to stop",
    ),
    "watch_db_switched": (
        "第 {line} 行起改用培育库新的 {as_of} 快照（{firms} 家企业，{updated} 家已有更新）；之前的行已应用在 {was} 快照上",
        "From line {line} on, watching the pool's new {as_of} snapshot ({firms} firms, {updated} already"
        " updated); the lines before were applied on the {was} snapshot",
    ),
    "watch_db_resumed": (
        "{path}：第 {line} 行及之前已应用，从下一行继续",
        "{path}: lines up to {line} already applied; resuming after them",
    ),
    "watch_db_other_file": (
        "{path} 已不是上次读取的文件（被替换或截短），从头读取",
        "{path} is not the file read last time (replaced or cut shorter); reading it from the start",
    ),
    "pool_alerts_title": (
        "监测提醒 {count} 条（eligibility watch --db）：",
        "{count} monitor alerts (eligibility watch --db):",
    ),
    "pool_alert_line": (
        "- [监测提醒] {who}{tier}：{before} → {after}；变动条件：{moved}（{as_of} 快照上，{source} 第 {line} 行）",
        "- [monitor alert] {who} {tier}: {before} → {after}; moved: {moved} (on the {as_of} snapshot, {source}"
        " line {line})",
    ),
    "pool_col_snapshot": ("快照", "Snapshot"),
    "pool_col_update_line": ("更新文件:行", "Updates file:line"),
    "pool_col_moved": ("变动条件", "Criteria that moved"),
    "pool_unit_percentage_points": ("百分点", "percentage points"),
    "pool_chart_axis": ("与门槛的距离（{unit}）", "Margin to the line ({unit})"),
    "pool_chart_trace": ("{tier}·{criterion}", "{tier} · {criterion}"),
    "pool_page_generated": ("生成于 {time}", "Generated {time}"),
    "pool_margins_chart_title": ("距各条件门槛的距离", "Margin to every line"),
    "pool_margins_chart_note": (
        "每条线为一个梯度的一条门槛，按达标一侧的余量画：高于 0 为已过线，低于 0 为未过线（“不低于”类为指标值 − 门槛，"
        "“不超过”类为门槛 − 指标值；比率以百分点计，得分区间取下限）。图中显示关键门槛，其余门槛在图例中，点击即显示",
        "One line per tier and threshold, drawn as the room on the side that meets it: above 0 the line is met,"
        " below 0 it is not (at least: value − threshold; at most: threshold − value; ratios in percentage"
        " points, a score interval's low end). The key lines are drawn; the others are in the legend, a click"
        " shows them",
    ),
    "pool_page_html_only": (
        "-o 须为 .html 或 .xlsx 文件：{path}",
        "-o must be an .html or .xlsx file: {path}",
    ),
    "pool_key_lines_title": (
        "关键门槛（指标值 − 门槛值；“不低于”类为正即达标，“不超过”类为负即达标）：{code}",
        "Key lines (value − threshold; at least: positive meets it, at most: negative meets it): {code}",
    ),
    "pool_col_key": ("关键原因", "Why key"),
    "pool_key_headline": ("总分线", "pass mark"),
    "pool_key_failed": ("曾未满足", "failed"),
    "pool_key_borderline": ("临界", "at the line"),
    "pool_key_closest": ("最接近", "closest"),
    "pool_more_lines": (
        "另有 {count} 条门槛未列出（--all-lines 列出全部；-o 企业.xlsx 的“全部门槛”表也有）",
        "{count} more lines not shown (--all-lines lists them all, as does the 'Every line' sheet of -o firm.xlsx)",
    ),
    "pool_sheet_history": ("各期结论", "Status by snapshot"),
    "pool_sheet_key_lines": ("关键门槛", "Key lines"),
    "pool_sheet_all_lines": ("全部门槛", "Every line"),
    "pool_sheet_alerts": ("监测提醒", "Monitor alerts"),
    "pool_col_updates_file": ("更新文件", "Updates file"),
    "pool_col_updates_line": ("行号", "Line"),
    "pool_col_raised_at": ("提醒时间", "Raised at"),
    "pool_moved_values": ("（{before} → {after}）", " ({before} → {after})"),
    "pool_percent": ("{value}%", "{value}%"),
    "pool_alerts_file_suffix": ("-监测提醒", "-alerts"),
    "pool_alerts_written": (
        "监测提醒已写入：{path}（{count} 条）",
        "Monitor alerts written: {path} ({count})",
    ),
    "pool_col_line_value": ("指标值", "Value"),
    "pool_col_threshold": ("门槛值", "Threshold"),
    "pool_col_unit": ("单位", "Unit"),
    "pool_col_margin": ("指标值 − 门槛值", "Value − threshold"),
    "pool_col_room": ("余量（达标一侧，正为达标）", "Room (positive: met)"),
    "pool_col_closeness": ("余量 ÷ 临界幅度", "Room in borderline margins"),
    "pool_col_bearing": ("影响结论", "Bears on the status"),
    "pool_col_operator": ("比较", "Comparison"),
    "pool_unit_percent_points": ("%（差值为百分点）", "% (differences in percentage points)"),
    "pool_targets_page_title": ("{year} 年培育目标", "Targets of {year}"),
    "pool_candidates_title": ("{tier}：最接近达标的候选企业", "{tier}: the candidates closest to qualifying"),
    "pool_col_target": ("目标（家）", "Target"),
    "pool_col_gained": ("今年已获称号", "Titles gained this year"),
    "pool_col_outlook": ("能否完成", "Outlook"),
    "pool_col_rank": ("序号", "Rank"),
    "pool_page_written": ("已写出 {path}", "Written {path}"),
    "pool_officers_written": (
        "服务专员任务表已写入：{path}（{sheets} 个工作表）",
        "Officers' tasks written: {path} ({sheets} sheets)",
    ),
}

_ISSUES: dict[IssueCode, tuple[str, str]] = {
    IssueCode.NOT_A_NUMBER: (
        "第 {row} 行“{header}”应为数字，实际为“{value}”，该项按缺失处理",
        "row {row}, '{header}': expected a number, found '{value}'; treated as missing",
    ),
    IssueCode.NEGATIVE_VALUE: (
        "第 {row} 行“{header}”不能为负数（{value}），该项按缺失处理",
        "row {row}, '{header}': must not be negative ({value}); treated as missing",
    ),
    IssueCode.OUT_OF_RANGE: (
        "第 {row} 行“{header}”超出合理范围（{value}），该项按缺失处理",
        "row {row}, '{header}': out of range ({value}); treated as missing",
    ),
    IssueCode.UNKNOWN_CATEGORY: (
        "第 {row} 行“{header}”的取值“{value}”无法识别，该项按缺失处理",
        "row {row}, '{header}': unknown value '{value}'; treated as missing",
    ),
    IssueCode.BAD_BOOL: (
        "第 {row} 行“{header}”应填“是/否”，实际为“{value}”",
        "row {row}, '{header}': expected yes/no, found '{value}'",
    ),
    IssueCode.BAD_DATE: (
        "第 {row} 行“{header}”不是有效日期：“{value}”",
        "row {row}, '{header}': not a valid date: '{value}'",
    ),
    IssueCode.MISSING_KEY: ("第 {row} 行缺少统一社会信用代码", "row {row}: the credit code is missing"),
    IssueCode.DUPLICATE_KEY: (
        "第 {row} 行与第 {first} 行的统一社会信用代码“{code}”重复",
        "row {row}: credit code '{code}' repeats row {first}",
    ),
    IssueCode.UNMAPPED_COLUMN: (
        "列“{header}”无法对应到任何字段，已忽略",
        "column '{header}' matches no field and was not used",
    ),
    IssueCode.DUPLICATE_COLUMN: (
        "列“{header}”与前面的列对应同一字段，已忽略",
        "column '{header}' maps to a field already read; not used",
    ),
    IssueCode.UNIT_MISMATCH: (
        "列“{header}”的单位与字段不符，已忽略",
        "column '{header}': its unit does not fit the field; not used",
    ),
    IssueCode.ASSUMED_YEAR: (
        "列“{header}”未标明年份，按上年度处理",
        "column '{header}' names no year; read as last year",
    ),
    IssueCode.NO_HEADER: (
        "找不到表头：前15行中没有可识别的列名（如“统一社会信用代码”“营业收入（万元）”）",
        "no header row: none of the first 15 rows names known columns (e.g. 统一社会信用代码, 营业收入（万元）)",
    ),
    IssueCode.AMBIGUOUS_PERCENT: (
        "第 {row} 行“{header}”为 {value}，与本列其他数值的写法（百分数或小数）不一致，已按本列的写法理解，请核对",
        "row {row}, '{header}': {value} is written unlike the rest of the column (per cent or fraction); read as the column reads, please check",
    ),
    IssueCode.FORMULA_WITHOUT_VALUE: (
        "第 {row} 行“{header}”是公式，但文件里没有它的计算结果（常见于程序导出、未经 Excel 保存的表格），已按空白处理：请在 Excel 中打开、保存后重新导入，或填入数值",
        "row {row}, '{header}': a formula without a calculated value in the file (common in exported sheets never saved by Excel); read as blank — open and save the file in Excel, or type the value",
    ),
    IssueCode.BAD_CREDIT_CODE: (
        "第 {row} 行统一社会信用代码“{value}”格式不正确（应为18位）",
        "row {row}: credit code '{value}' is not 18 valid characters",
    ),
    IssueCode.BAD_CHECK_DIGIT: (
        "第 {row} 行统一社会信用代码“{value}”校验位错误",
        "row {row}: credit code '{value}' fails its check digit",
    ),
    IssueCode.MAIN_ABOVE_REVENUE: (
        "第 {row} 行“{header}”（{value}）大于营业收入，请核对",
        "row {row}, '{header}' ({value}) exceeds operating revenue; please check",
    ),
    IssueCode.STAFF_ABOVE_EMPLOYEES: (
        "第 {row} 行“{header}”（{value}）大于从业人员总数，请核对",
        "row {row}, '{header}' ({value}) exceeds the employees; please check",
    ),
    IssueCode.BLANK_EXPIRY: (
        "第 {row} 行有称号但未填有效期，按有效处理",
        "row {row}: a title without an expiry date; taken as valid",
    ),
    IssueCode.UNREADABLE_FILE: ("无法读取输入文件：{value}", "cannot read the input file: {value}"),
    IssueCode.SKIPPED_ROW: (
        "第 {row} 行不是企业（{value}），未参与筛查",
        "row {row} is not a firm ({value}); not screened",
    ),
    IssueCode.BLANK_ROW: ("第 {row} 行为空行，未参与筛查", "row {row} is blank; not screened"),
    IssueCode.UNUSUAL_VALUE: (
        "第 {row} 行“{header}”为 {value}，超出常见范围（如资产负债率超过100%），按原值使用，请核对",
        "row {row}, '{header}': {value} is unusual (e.g. a debt ratio above 100%); used as given, please check",
    ),
    IssueCode.OPEN_EXPIRY: (
        "第 {row} 行“{header}”写为长期，但该称号有效期为 {value} 年，按长期有效处理（不进入复核和退库风险研判），请填写到期日",
        "row {row}, '{header}': no expiry, but this title is valid for {value} years; taken as never expiring "
        "(no re-review, no at-risk check), please give its expiry date",
    ),
    IssueCode.DERIVED_EXPIRY: (
        "第 {row} 行未填有效期，按认定时间推算为 {value}",
        "row {row}: no expiry given; derived from the award date as {value}",
    ),
    IssueCode.NOT_A_LADDER_TITLE: (
        "第 {row} 行“{header}”中的“{value}”不是国家梯度称号（科技型/创新型/专精特新/小巨人），未计为称号",
        "row {row}, '{header}': '{value}' is not a national ladder title; not counted as a title",
    ),
    IssueCode.AMBIGUOUS_DATE: (
        "第 {row} 行“{header}”为“{value}”，日和月都可能在前，无法确定日期，请改写为 年-月-日",
        "row {row}, '{header}': '{value}' could be day/month or month/day; please write it as year-month-day",
    ),
    IssueCode.BAD_CELL: (
        "第 {row} 行“{header}”的内容无法使用（{value}），该项按缺失处理",
        "row {row}, '{header}': unusable cell content ({value}); treated as missing",
    ),
    IssueCode.SHEET_CHOSEN: (
        "读取的工作表：{value}",
        "sheet read: {value}",
    ),
    IssueCode.UNKNOWN_FIELD: (
        "未知字段“{header}”{value}，已忽略",
        "unknown field '{header}'{value}; not used",
    ),
    IssueCode.TOO_LARGE: (
        "文件解压后（连同每个单元格引用的文字）约 {code}，超过读取上限 {first}，未读取",
        "the file unpacks (with the text every cell refers to) to about {code}, above the limit of {first}; not read",
    ),
    IssueCode.TOO_MANY_ROWS: (
        "工作表有 {code} 行，超过读取上限 {first} 行，未读取",
        "the sheet has {code} rows, above the limit of {first}; not read",
    ),
    IssueCode.TOO_MANY_CELLS: (
        "工作表范围为 {code}（行 × 列），超过读取上限 {first} 个单元格，未读取",
        "the sheet spans {code} (rows × columns), above the limit of {first} cells; not read",
    ),
}

_PROBLEMS: dict[ProblemCode, tuple[str, str]] = {
    ProblemCode.YAML_SYNTAX: ("YAML 语法错误：{detail}", "YAML syntax error: {detail}"),
    ProblemCode.YAML_TOO_DEEP: (
        "嵌套超过 {detail} 层，不予读取；规则文件不需要这样深的结构，请检查此行附近是否有多余或未闭合的 [ {{",
        "nested deeper than {detail} levels, not read; a rule file needs no such depth: look for stray or unclosed [ {{ near this line",
    ),
    ProblemCode.YAML_TOO_LARGE: (
        "别名（*名称）展开后超过 {detail} 个节点，不予读取；请去掉此行的别名，直接写出内容",
        "aliases (*name) expand to more than {detail} nodes, not read; replace the alias on this line by its content",
    ),
    ProblemCode.UNKNOWN_KEY: ("未知的键“{detail}”", "unknown key '{detail}'"),
    ProblemCode.MISSING_KEY: ("缺少必填项：{detail}", "missing required key: {detail}"),
    ProblemCode.WRONG_TYPE: ("取值类型不对：{detail}", "wrong type: {detail}"),
    ProblemCode.DUPLICATE_ID: ("编号重复：{detail}", "duplicate id: {detail}"),
    ProblemCode.UNKNOWN_FIELD: ("未知字段“{detail}”", "unknown field '{detail}'"),
    ProblemCode.UNKNOWN_TIER: ("未知梯度“{detail}”", "unknown tier '{detail}'"),
    ProblemCode.UNKNOWN_GROUP: ("未知得分分组：{detail}", "unknown score group: {detail}"),
    ProblemCode.UNKNOWN_RULESET: ("未知规则集“{detail}”", "unknown rule set '{detail}'"),
    ProblemCode.UNKNOWN_INDICATOR: (
        "未知或不可替换的评分指标：{detail}",
        "unknown or not replaceable indicator: {detail}",
    ),
    ProblemCode.UNKNOWN_CATEGORY: (
        "取值不在字段的可选范围内：{detail}",
        "value not among the field's choices: {detail}",
    ),
    ProblemCode.BAD_LITERAL: ("无法识别的数值写法“{detail}”", "cannot read the literal '{detail}'"),
    ProblemCode.UNIT_MISMATCH: ("单位与字段不符：“{detail}”", "unit does not match the field: '{detail}'"),
    ProblemCode.NOT_NUMERIC: ("字段不是数值型：{detail}", "field is not numeric: {detail}"),
    ProblemCode.BAND_OVERLAP: ("分档区间重叠：{detail}", "bands overlap: {detail}"),
    ProblemCode.BAND_GAP: ("分档区间有空缺：{detail}", "bands leave a gap: {detail}"),
    ProblemCode.BAND_EMPTY: ("分档区间为空：{detail}", "empty band: {detail}"),
    ProblemCode.MAX_MISMATCH: ("满分与分项不一致：{detail}", "maximum does not add up: {detail}"),
    ProblemCode.UNREACHABLE_MARK: ("及格线无法达到：{detail}", "pass mark cannot be reached: {detail}"),
    ProblemCode.EXPR_SYNTAX: ("表达式语法错误：{detail}", "expression syntax error: {detail}"),
    ProblemCode.EXPR_FORBIDDEN: ("表达式中不允许使用：{detail}", "not allowed in an expression: {detail}"),
    ProblemCode.EXPR_ARITY: ("函数参数个数不对：{detail}", "wrong number of arguments: {detail}"),
    ProblemCode.DEPENDENCY_CYCLE: ("循环依赖：{detail}", "dependency cycle: {detail}"),
    ProblemCode.BAD_DATES: ("失效日期早于生效日期：{detail}", "effective_to before effective_from: {detail}"),
    ProblemCode.OVERLAPPING_ROUNDS: (
        "同一层级的两套规则都声明了复核轮次：{detail}",
        "two rule sets of one tier claim the same review rounds: {detail}",
    ),
    ProblemCode.NO_RULES: ("找不到规则文件：{detail}", "rule files not found: {detail}"),
    ProblemCode.LABEL_MISMATCH: (
        "名称中的数字与条件取值不符：{detail}；请改正名称或取值，使两者与所引条文一致",
        "the label states another number than the criterion's value: {detail}; correct the label or the value so both match the cited clause",
    ),
    ProblemCode.NOT_BOOL: (
        "“is”只用于是/否字段：{detail}；分类字段请写 in: [取值, …]",
        "'is' is for yes/no fields only: {detail}; match a category with in: [value, …]",
    ),
    ProblemCode.RENAMED_KEY: (
        "键已改名（{detail}）：请把旧键换成新键，取值不变（见 docs/rule-language.md）",
        "renamed key ({detail}): replace the old key by the new one, keeping its value (see docs/rule-language.md)",
    ),
    ProblemCode.UNKNOWN_BLOCK: (
        "未知的共用条件块“{detail}”：use 须写 blocks.yaml 中定义的块名",
        "unknown shared block '{detail}': use must name a block defined in blocks.yaml",
    ),
    ProblemCode.UNKNOWN_PARAM: (
        "共用条件块没有参数“{detail}”：请使用块的 params 中声明的参数名",
        "the shared block has no parameter '{detail}': use a name declared in the block's params",
    ),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[1] if lang == "en" else pair[0]


def text(key: str, lang: Lang = "zh", **params: object) -> str:
    """A label or message by key, formatted with ``params``.

    Raises:
        KeyError: for a key no label has (a missing word is a bug, never shown as its key).
    """
    pair = _TEXT.get(key)
    if pair is None:
        raise KeyError(f"no label {key!r}")
    return _pick(pair, lang).format(**params)


def has_text(key: str) -> bool:
    """Whether ``key`` names a label."""
    return key in _TEXT


def heading_text(key: str, lang: Lang = "zh") -> str:
    """A column heading: the label of a heading key (``col_code``), or the heading itself when it is
    already words (a tier's 专精特新中小企业｜结论)."""
    return text(key, lang) if key in _TEXT else key


def issue_message(issue: Issue, lang: Lang = "zh") -> str:
    """The sentence for an input issue: where, what was found, what happens."""
    template = _pick(_ISSUES[issue.code], lang)
    value = issue.value or ""
    if len(value) > 60:  # a 40,000-character cell is named, not printed
        value = value[:60] + "…"
    code, _, first = value.partition("@")  # duplicates carry "code@first row"
    if issue.code is IssueCode.UNKNOWN_FIELD:  # the value is a suggestion, shown as "did you mean"
        value = text("did_you_mean", lang, suggestion=value) if value else ""
    return template.format(
        row=issue.row, header=issue.header or issue.field or "", value=value, code=code, first=first
    )


def problem_message(problem: RuleProblem, lang: Lang = "zh") -> str:
    """``file:line: path: message (did you mean …)`` for a rule-file problem."""
    message = _pick(_PROBLEMS[problem.code], lang).format(detail=problem.detail)
    if problem.suggestion:
        message += text("did_you_mean", lang, suggestion=problem.suggestion)
    return f"{problem.file}:{problem.line}: {problem.path}: [{problem.code}] {message}"


def rounds_words(first: int | None, last: int | None, lang: Lang = "zh") -> str:
    """The re-review rounds a rule set judges (``review_rounds``), e.g. ``2022—2026年复核轮次``."""
    if first is not None and last is not None:
        return text("rounds_span", lang, first=first, last=last)
    if first is not None:
        return text("rounds_from", lang, first=first)
    return text("rounds_to", lang, last=last)
