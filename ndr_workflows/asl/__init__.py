"""``ndr_workflows.asl``: the bottom layer, facts about the Amazon States
Language that the validator, the simulator and the diagrams share: JSONPath
and reference paths (:mod:`.jsonpath`) and intrinsic functions
(:mod:`.intrinsics`), each parsed, checked and evaluated in one place.

Modules here import only the standard library (and the findings type), so
any layer above may use them.
"""
