"""The directory: offers (lieux), permanences, provenance; and the search over them."""
