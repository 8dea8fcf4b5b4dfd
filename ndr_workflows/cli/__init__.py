"""The top layer: the programs behind ``python -m ndr_workflows.<tool>``.

Each program reads its command line, resolves flow NAMEs through the flow
registry (:mod:`.definitions`) and calls the part below that does the work
on definitions: :mod:`.validate`, :mod:`.simulate`, :mod:`.deploy`,
:mod:`.contracts` (the export, ``ndr_workflows.export``, is a program of
this layer too). ``<tool>/__main__.py`` only launches them: launchers sit
outside the layers (setup.cfg's import-linter contract ignores their one
import).
"""
