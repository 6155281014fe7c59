"""Sphinx configuration: builds offline, warnings are errors (see .ci/run)."""

import os
import sys
from datetime import date

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, os.path.abspath(".."))
import rsatoolbox_topo  # noqa: E402

project = "rsatoolbox_topo"
author = "The rsatoolbox_topo developers"
copyright = f"{date.today().year}, {author}"
release = version = rsatoolbox_topo.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = {"PR01", "PR02", "RT01"}
# Offline build: no intersphinx inventories are fetched.
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "reset_modules": ("matplotlib",),
}

templates_path = []
exclude_patterns = ["_build", "auto_examples/*.ipynb", "**.ipynb_checkpoints"]
html_theme = "pydata_sphinx_theme"
# The default title ("rsatoolbox_topo <version> documentation") is wider than
# the navbar's brand column and ran into the first link; the short project
# name fits (checked in a headless browser at 1280 and 1920 px).
html_title = project
html_theme_options = {"navigation_with_keys": False,
                      "logo": {"text": project}}
html_static_path = []

plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
