# Production image for the web (ASGI) and worker (Celery) services of docker-compose.yml.
FROM python:3.11-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
      fonts-dejavu-core fonts-liberation nodejs npm curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt package.json package-lock.json ./
RUN pip install -r requirements.txt && npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-000000000 \
    python manage.py collectstatic --noinput \
 && python manage.py compilemessages --ignore=node_modules 2>/dev/null || true
RUN useradd --system --uid 1000 app && mkdir -p /app/media && chown app /app/media
USER app
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", \
     "--forwarded-allow-ips", "*", "--no-access-log", "--ws-per-message-deflate", "false", "--ws-max-size", "65536"]
