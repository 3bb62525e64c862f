"""Words several section types share, so the same idea reads the same everywhere."""

FREQUENCIES = [
    ("daily", "Daily"),
    ("weekly", "Weekly"),
    ("fortnightly", "Fortnightly"),
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
    ("half_yearly", "Half-yearly"),
    ("yearly", "Yearly"),
    ("as_needed", "As needed"),
]

# Regular frequencies only: something measured "as needed" cannot be tracked.
MEASUREMENT_FREQUENCIES = [pair for pair in FREQUENCIES if pair[0] != "as_needed"]

ASSET_DISPOSITIONS = [
    ("returns", "Returns to the contributing party"),
    ("transfers", "Transfers to the other party"),
    ("bought_out", "Bought out at fair value"),
    ("shared", "Stays jointly owned"),
    ("retired", "Retired, deleted or destroyed"),
    ("to_agree", "To be agreed"),
]
