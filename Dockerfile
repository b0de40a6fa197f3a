# The publisher as an image, for container jobs and CI systems other than GitHub Actions.
# Inputs arrive as INPUT_<NAME> environment variables, exactly as with the action:
#   docker run --rm -e INPUT_PASSWORD -e INPUT_REPOSITORY-URL=... -v "$PWD/dist:/work/dist" IMAGE
#
# The environment is made by the action's own bootstrap (requirements/bootstrap.py): the
# hash-locked requirements/runtime.txt installed by the pinned uv, with no source builds,
# plus the core. The image gets only that venv: no uv, no pip in it, no caches, no
# compilers. BASE is any image with CPython >= 3.10 as python3 (pip is needed only when
# building through a mirror: PIP_INDEX_URL / PIP_NO_INDEX / PIP_FIND_LINKS).
# Pinned by digest; dependabot (docker) proposes updates.
ARG BASE=python:3.13-slim@sha256:7c61056e61ac89e852de05f3dc6fa51a6dd2181797bceed46aa725dd7cb2cd3b

FROM ${BASE} AS build
COPY requirements/ /build/requirements/
COPY src/trusted_publish/ /build/src/trusted_publish/
# Package sources for mirrors and offline builds; every file is still checked against the
# lock's hashes. Unset arguments stay unset.
ARG PIP_INDEX_URL
ARG PIP_NO_INDEX
ARG PIP_FIND_LINKS
ARG UV_DEFAULT_INDEX
ARG UV_FIND_LINKS
ARG UV_OFFLINE
RUN python3 /build/requirements/bootstrap.py install --venv /opt/trusted-publish

FROM ${BASE}
LABEL org.opencontainers.image.title="trusted-publish" \
      org.opencontainers.image.description="Publish Python distributions through OIDC trusted publishing" \
      org.opencontainers.image.licenses="BSD-3-Clause"
ENV PATH=/opt/trusted-publish/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /opt/trusted-publish /opt/trusted-publish
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin publisher
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["python", "-m", "trusted_publish"]
