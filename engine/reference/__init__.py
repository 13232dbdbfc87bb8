"""Code lists and basic data (I1, I2): the reference data service."""
