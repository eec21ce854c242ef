/// Site — the static HTML site of ShiftLens: template engine, HTML escaping, SVG charts,
/// message catalogues (en, ja), page builders and the archive of runs.
///
/// ## Data flow
///
/// `RunResults` (from Results, stored as `results.json`) → `SiteRun` (plus `class_names`, folder
/// names) → `PageContext` (selection, ordering and formatting only — Site never computes a
/// statistic) → `TemplateValue` contexts → `TemplateSet` (the user-editable `templates/`
/// folder) → HTML files written by `SiteBuilder`.
///
/// ## Site layout
///
/// ```
/// site/index.html                        every pilot with the verdict of its latest run
/// site/assets/site.css                   the one stylesheet (copied from assets/site.css)
/// site/pilots/<pilot>/index.html         run history and trends
/// site/pilots/<pilot>/<run>/             immutable run folder:
///     index.html  packet.html  models/<model>.html  shifts/<domain>.html
///     results.json  manifest.json  tables/*.csv
/// ```
///
/// `SiteBuilder.addRun` writes a run into a hidden temporary folder and renames it into place;
/// an existing run folder is never overwritten. `SiteBuilder.renderAll` (the `shiftlens render`
/// command) re-renders every page from the stored `results.json` files after a template edit.
///
/// ## Templates
///
/// `{{name}}` (escaped), `{{& name}}` (raw — only `TemplateValue.raw`), `{{#each xs}}…{{else}}…{{/each}}`
/// with `{{.}}`, `{{@index}}`, `{{@number}}`, `{{@first}}`, `{{@last}}`; `{{#if x}}…{{else}}…{{/if}}`,
/// `{{#unless x}}`, `{{#with x}}`, `{{> partial}}` (from `templates/partials/`), `{{! comment }}`,
/// dotted paths. Unknown or wrongly-typed slots are errors naming the template file and line.
/// Every fixed string is in the catalogue and reachable as `{{t.some.key}}`. See `Template`.
///
/// ## Guarantees (tested in `SiteTests`)
///
/// No JavaScript and no external URL anywhere; a Content-Security-Policy meta tag on every page;
/// all user text (pilot titles, model, domain, class and file names) escaped; every relative link
/// resolves; `packet.html` is one self-contained file (inline CSS and SVG, A4 print styles, under
/// 2 MB); every chart is inline SVG with `<title>`, `<desc>` and a data table beside it, and is
/// byte-for-byte deterministic (golden files in `Tests/SiteTests/Fixtures/charts`).
