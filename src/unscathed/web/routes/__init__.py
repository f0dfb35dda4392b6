"""One router per resource: accounts, instructions, label queue, comparisons, red team, admin."""
