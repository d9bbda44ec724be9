"""The record-template catalogue (诉求记录模板): schema, loading, validation, titles and search.

Public API (stable; other packages code against it):

    from assistant.templates.catalogue import load_catalogue, Catalogue, CatalogueError
    cat = load_catalogue()          # cached; packaged data, or settings.catalogue_path, or load_catalogue(path)
    cat.templates                   # tuple[Template], in catalogue order
    cat.categories                  # tuple[Category]: level 1 (16 names), 2 (groups), 3 (leaf matters)
    cat.get(id) / cat[id]           # Template | None / KeyError
    cat.by_matter(matter_id)        # the templates of one leaf matter, one per appeal type
    cat.l1_names                    # level-1 names present, in CATEGORY_L1 order
    cat.fields, cat.common_fields   # field library (key → TemplateField) and the keys every template carries
    cat.units                       # UnitRegistry of handling units (reads the shared gazetteer on first use)

    from assistant.templates.search import TemplateSearch, ScoredTemplate
    ts = TemplateSearch(cat)        # builds the index once (about a second for the full catalogue)
    ts.search(text, k=3, appeal_type=None) -> list[ScoredTemplate(template, score)]   # best first

    from assistant.templates.title import render_title
    render_title(template, {"district": "白云区", "street": None, ...}) -> str      # conventional, <= 30 chars

    from assistant.templates.schema import Template, TemplateField, Category, CATEGORY_L1, APPEAL_TYPES

A Template has: id (ASCII, "<l1>.<matter>.<appeal>"), category_l1 / category_l2 / matter / matter_id, appeal_type,
name, description, subject (the noun phrase titles are built on), triggers, examples, fields (TemplateField: key,
label, type, required, options, hints), title_pattern, handling_units (full names), district_handled, urgency.

Data: templates/source/*.yaml (authored, see source/FORMAT.md) → `python -m assistant.templates.build` →
templates/data/{categories,fields,templates}.jsonl (packaged). `assistant templates validate|stats|show|search`.
"""
