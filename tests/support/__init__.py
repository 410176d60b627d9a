"""Test support shared by every test module (and by later issues' tests)."""
