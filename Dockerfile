# syntax=docker/dockerfile:1
# One image for every service: `trendpath serve <service>` picks which one a container runs.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# CPU torch from the PyTorch index keeps the image free of CUDA libraries.
RUN pip wheel --wheel-dir /wheels "torch==2.13.0" \
        --index-url https://download.pytorch.org/whl/cpu \
 && pip wheel --wheel-dir /wheels --find-links /wheels .

FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    TRENDPATH_DATA_DIR=/app/data TRENDPATH_STATE_DIR=/app/state \
    TRENDPATH_HOST=0.0.0.0 TRENDPATH_PORT=8000
RUN useradd --create-home --uid 10001 trendpath \
 && mkdir -p /app/state && chown trendpath /app/state
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels trendpath && rm -rf /wheels
COPY data /app/data
WORKDIR /app
USER trendpath
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
ENTRYPOINT ["trendpath"]
CMD ["serve", "web"]
