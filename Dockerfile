# One image for every process of the site: web (gunicorn), worker and beat (Celery), and the
# one-off commands (migrate, backup). compose.yaml runs the whole stack from it.
#
#   docker build -t roundtable .
#
# The code lives in /app, installed in place (-e): the project's templates, static files and
# translations are found next to the code. Static files are collected at build time, so
# WhiteNoise serves them (hashed names, cached for a year) with no volume and no nginx needed.

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# pg_dump and pg_restore for manage.py backup/restore, of the same major version as the
# compose file's PostgreSQL (15, Debian 12's).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 roundtable \
    && useradd --system --uid 10001 --gid roundtable --home-dir /app --no-create-home roundtable

WORKDIR /app
# The locked production packages first (hashes checked), in a layer of their own.
COPY requirements/base.txt ./requirements/base.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/base.txt
COPY pyproject.toml README.md manage.py ./
COPY roundtable ./roundtable
COPY issues ./issues
COPY departments ./departments
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY deploy ./deploy
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e .

# A key for this one command only: collectstatic must not generate (and bake into the image)
# the per-checkout key of the embedded default.
RUN SECRET_KEY=collectstatic-only VAR_DIR=/tmp/build-var STATIC_ROOT=/app/staticfiles \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var

# State (MEDIA_ROOT below it) lives in a volume mounted here; see compose.yaml.
RUN mkdir -p /var/lib/roundtable/media && chown -R roundtable:roundtable /var/lib/roundtable
ENV VAR_DIR=/var/lib/roundtable \
    MEDIA_ROOT=/var/lib/roundtable/media \
    STATIC_ROOT=/app/staticfiles \
    GUNICORN_BIND=0.0.0.0:8000

USER roundtable
EXPOSE 8000
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
