"""Reference geography: communes, EPCI, postcodes, départements, cantons."""
