"""Pure rules of a campaign: no files, no network, plain data in and out."""
