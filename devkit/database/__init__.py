"""Database providers (native, external, docker) behind one interface, and the readiness wait."""
