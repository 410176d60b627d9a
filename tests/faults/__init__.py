"""Fault campaigns (issue 10): bad inputs, kills, copies, concurrency, lost state."""
