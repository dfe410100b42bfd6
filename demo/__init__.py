"""A realistic synthetic ledger and its reports, to try every command on."""
