"""A second checkout of a project, branched from one devkit set up (issue 28, docs/worktrees.md).

`git.py` reads what git says about a checkout (worktrees, origin, first commit); `registry.py`
keeps the checkouts devkit set up on this machine; `source.py` is a read-only view of another
checkout; `choice.py` decides which one a new checkout branches from, and says why;
`lineage.py` keeps the branch's record and tells `devkit status` about branches; `trees.py`
copies a dependency tree (reflink where the file system has them, never hard links).

Layer: beside database, project and ci; imports only config and core. The steps that use it
live in `steps/branched.py`, the cluster copy in `database/branch.py`.
"""
