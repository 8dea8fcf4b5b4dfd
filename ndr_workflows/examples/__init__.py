"""Example flows that are not among the exported ones: they show the
builders on flows as they grow (``grown_15m``: the 15-minute flow after a
year, about eighty states)."""
