from django.contrib.staticfiles.apps import StaticFilesConfig


class StaticFiles(StaticFilesConfig):
    """collectstatic skips the npm builds that no page loads (pages load
    cytoscape.esm.min.mjs, elk-api.js and elk-worker.min.js): hashing and brotli of
    cytoscape's other 3 MB alone took half a minute."""

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "cytoscape.cjs.js", "cytoscape.umd.js",
                       "cytoscape.esm.mjs", "cytoscape.min.js", "elk-worker.js", "elk.bundled.js",
                       "*.d.ts"]
