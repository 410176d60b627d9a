"""What devkit knows about the actions a step uses: those that change nothing (checkout, setup,
login, cache, artifacts, notifications, GitHub deployment records, releases and git tags),
those that deploy (by their name or as a known deploy action) and those that build or push
images.
"""

from __future__ import annotations

import re

_INERT = re.compile(
    r"^(?:actions/(?:checkout|setup-[\w-]+|cache|upload-artifact|download-artifact|github-script)"
    r"|docker/(?:setup-[\w-]+|login-action|metadata-action|build-push-action|bake-action)"
    r"|[\w.-]+/[\w.-]*(?:slack|discord|teams|notify|notification|telegram|mail|login|auth|credentials"
    r"|configure-[\w-]+|setup-[\w-]+|uuid|timestamp|get-[\w-]+)[\w.-]*"
    # the GitHub API: a deployment *record* or its status, a release or a git tag, not a deploy
    r"|octokit/[\w.-]+|[\w.-]+/(?:create-)?(?:github-)?deployments?(?:-action|-status)?"
    r"|[\w.-]+/[\w.-]*(?:gh-release|release-action|create-release|release-drafter|release-please"
    r"|upload-release-asset|tag-action)[\w.-]*)(?:[/@]|$)",
    re.I,
)
_DEPLOY = re.compile(
    r"deploy|^appleboy/scp-action|^superfly/flyctl-actions|^cloudflare/wrangler-action"
    r"|^amondnet/vercel-action|^nwtgck/actions-netlify|^dokku/github-action|^peaceiris/actions-gh-pages"
    r"|helm|kubectl|k8s",
    re.I,
)
_BUILD = re.compile(r"^[\w.-]+/[\w.-]*(?:build|push|bake|kaniko)[\w.-]*(?:[/@]|$)", re.I)


def inert(uses: str) -> bool:
    """An action that changes nothing a deploy job is about."""
    return bool(_INERT.match(uses))


def deploys(uses: str) -> bool:
    """A deploy action: its name says deploy (`azure/k8s-deploy`), or it is a known one."""
    name = uses.split("@")[0]
    return bool(name) and not name.startswith("docker://") and bool(_DEPLOY.search(name)) and not inert(uses)


def builds_images(uses: str) -> bool:
    """An action that builds or pushes images (docker/build-push-action, buildah-build, …)."""
    return bool(_BUILD.match(uses)) and not _DEPLOY.search(uses.split("@")[0])
