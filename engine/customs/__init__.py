"""Declaration services (I3-I13, E1-E11, X1): declare, check, drafts, bulk calls, drop folders, summaries, queries."""
