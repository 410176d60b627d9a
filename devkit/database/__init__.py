"""Database providers (native, external, docker) behind one interface, the readiness wait, who
holds a port, and snapshots.

Layer: beside project and ci, below the context. May import config and core."""
