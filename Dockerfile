# The smartcity image: one image for web (gunicorn), worker and beat (Celery),
# and the one-shot `smartcity db bootstrap && smartcity migrate`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed, unprivileged uid: nothing in the container runs as root.
RUN groupadd --system --gid 10001 smartcity \
    && useradd --system --uid 10001 --gid smartcity --home-dir /app --shell /usr/sbin/nologin smartcity

WORKDIR /app

# The tree (less .dockerignore) stays in /app because the Alembic trees under
# migrations/ are not part of the wheel. It stays owned by root: the service
# user can read its code but not change it.
COPY . .
RUN pip install .

USER smartcity

EXPOSE 8000

CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-", "--logger-class", "smartcity.gunicorn_logging.RedactingLogger", "smartcity.wsgi:app"]
