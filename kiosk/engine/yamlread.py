"""The knowledge base's YAML reader is the kiosk's one reader, kiosk.yamlread (shared with the
settings); this name stays so that existing imports keep working."""

from kiosk.yamlread import LineDict, LineList, Problem, did_you_mean, line_of, read_yaml

__all__ = ["LineDict", "LineList", "Problem", "did_you_mean", "line_of", "read_yaml"]
