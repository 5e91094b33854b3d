"""ETL: read the real sources, map them to the common model, validate, geocode, load."""
