# The publisher as an image, for container jobs and CI systems other than GitHub Actions.
# Inputs arrive as INPUT_<NAME> environment variables, exactly as with the action:
#   docker run --rm -e INPUT_PASSWORD -e INPUT_REPOSITORY-URL=... -v "$PWD/dist:/work/dist" IMAGE
ARG BASE=python:3.13-slim

FROM ${BASE} AS build
COPY requirements/bootstrap.txt requirements/runtime.txt /tmp/requirements/
RUN python -m venv /opt/venv \
    && /opt/venv/bin/python -m pip install --no-cache-dir --require-hashes \
        -r /tmp/requirements/bootstrap.txt \
    && /opt/venv/bin/uv pip install --no-cache --python /opt/venv/bin/python --require-hashes \
        -r /tmp/requirements/runtime.txt \
    && /opt/venv/bin/uv pip uninstall --python /opt/venv/bin/python uv pip

FROM ${BASE}
LABEL org.opencontainers.image.title="trusted-publish" \
      org.opencontainers.image.description="Publish Python distributions through OIDC trusted publishing"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/opt/trusted-publish \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /opt/venv /opt/venv
COPY src/trusted_publish /opt/trusted-publish/trusted_publish
RUN useradd --create-home --uid 10001 publisher
USER publisher
WORKDIR /work
ENTRYPOINT ["python", "-m", "trusted_publish"]
