/// Site — the template engine, HTML escaping, SVG charts, pages, message catalogues
/// (en, ja) and the archive index.
