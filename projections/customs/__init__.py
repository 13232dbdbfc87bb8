"""Read models of the declarations (I3-I13, E1-E11)."""
