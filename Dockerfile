# saga-lint in a container, for GitLab CI and any CI that runs jobs in an image
# (docs/docker.md). Build it from a checkout of this repository:
#   docker build -t saga-lint .
#   docker run --rm -v "$PWD:/repo" -w /repo saga-lint saga-lint check catalog
# No ENTRYPOINT: GitLab runs a job's script in the image's shell, so the command is named in full.
FROM python:3.11-slim

# git: `saga-lint review` reads the base revision from git, and the CI formats find the catalog's
# place in its repository; the repository is mounted from the host, owned by another user, so git
# is told to trust it
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

# what the wheel is built from (pyproject.toml's [tool.hatch.build]); the dependencies at the exact
# versions the GitHub Action installs (constraints/action.txt)
WORKDIR /opt/saga-lint
COPY pyproject.toml README.md LICENSE CHANGELOG.md ./
COPY constraints/action.txt constraints/action.txt
COPY rules rules
COPY src src
RUN pip install --no-cache-dir --disable-pip-version-check --root-user-action=ignore \
        --constraint constraints/action.txt . \
    && saga-lint --version

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /repo
CMD ["saga-lint", "--help"]
