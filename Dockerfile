# syntax=docker/dockerfile:1
# 联建通 in production: one image for the web (gunicorn), the worker (`flask worker`) and the
# one-shot migration (`flask db upgrade`); see docker-compose.yml.
#
# The source tree keeps its layout under /app: templates/ and migrations/ are read from the project
# root (saas/config.py ROOT), so the package is installed in editable mode, pointing at /app.

# --- front-end packages from the npm registry, served by the app itself (no CDN) -----------------
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
 && mkdir -p vendor \
 && cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js vendor/ \
 && cp node_modules/jsqr/dist/jsQR.js vendor/jsqr.js

# --- the app ----------------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, from the lock (`make lock`): the exact versions CI passed with, each file
# checked against its hash. This layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install --require-hashes -r requirements.txt

COPY . .
COPY --from=assets /build/vendor/ saas/static/vendor/
RUN pip install --no-deps -e . \
 && pybabel compile -d saas/translations \
 && python -m compileall -q saas tenants migrations wsgi.py \
 && useradd --system --user-group --uid 10001 --create-home --home-dir /home/ljt \
      --shell /usr/sbin/nologin ljt \
 && mkdir -p instance/outbox \
 && chown -R ljt:ljt instance

# The code is root-owned and read-only to the app; it writes only to instance/ (the file outbox)
# and its home (gunicorn's control socket).
USER ljt
# WEB_CONCURRENCY is read by gunicorn itself as its number of workers.
ENV APP_ENV=production \
    FLASK_APP=wsgi:app \
    INSTANCE_PATH=/app/instance \
    WEB_CONCURRENCY=4
EXPOSE 8000
CMD ["gunicorn", "wsgi:app", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--error-logfile", "-", "--worker-tmp-dir", "/dev/shm"]
