"""The ten ERMP section types, one declarative module each (found by the registry)."""
