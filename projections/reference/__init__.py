"""Read model of the code lists (I1, I2)."""
