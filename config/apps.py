from django.contrib.staticfiles.apps import StaticFilesConfig


class StaticFiles(StaticFilesConfig):
    """collectstatic skips cytoscape's builds that no page loads (pages import
    cytoscape.esm.min.mjs): hashing and brotli of 3 MB more took half a minute."""

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "cytoscape.cjs.js", "cytoscape.umd.js",
                       "cytoscape.esm.mjs", "cytoscape.min.js"]
