"""The bottom layer: what every part that handles Amazon States Language
definitions shares, and nothing above it.

* :mod:`.problems` -- findings (``Problem``: path, code, message, hint,
  severity and the field that is their root cause) and their one-line format;
* :mod:`.reader` -- the one reader (a file, JSON text, a dict or a flow ->
  a definition) and the one writer of a definition's text;
* :mod:`.walk` -- the one walker of scopes and states, and the one ``Scope``;
* :mod:`.jsonata` / :mod:`.jsonata_syntax` -- the JSONata parser and analysis;
* :mod:`.resources` -- Task resource ARNs; :mod:`.error_names` -- error names;
* :mod:`.placeholders` -- ``${Name}`` substitution; :mod:`.files` -- atomic
  writes; :mod:`.common` -- did-you-mean and other small helpers;
* :mod:`.jsonpath` / :mod:`.jsonpath_syntax` -- JSONPath and reference paths,
  and :mod:`.intrinsics` / :mod:`.intrinsics_eval` -- the intrinsic
  functions: each parsed, checked and evaluated in one place, so the
  validator and the simulator read the same syntax.

Nothing here imports another part of the package (the import-linter
contract in setup.cfg keeps it so); importing this package imports none of
its modules.
"""
