# syntax=docker/dockerfile:1
# UnionFlow worker image: `docker compose build worker`. Everything is installed at build
# time; the container needs no network except to Temporal and PostgreSQL.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN python -m venv /opt/unionflow \
    && /opt/unionflow/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/unionflow/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UNIONFLOW_DATA_DIR=/data
# Every mount point of a named volume is created here, owned by the worker's user (0700),
# so each volume starts with that owner: the data, the witness, the seal key, the poll
# keys, the payload key and the web's account key are all written by that user (the
# worker's and the web's processes), never by root.
RUN useradd --system --uid 10001 --user-group --home-dir /home/unionflow --create-home unionflow \
    && mkdir /data /witness /seal-key /poll-keys /payload-key /account-key \
    && chown unionflow:unionflow /data /witness /seal-key /poll-keys /payload-key /account-key \
    && chmod 0700 /data /witness /seal-key /poll-keys /payload-key /account-key
COPY --from=build /opt/unionflow /opt/unionflow
USER unionflow
WORKDIR /home/unionflow
VOLUME ["/data"]
ENTRYPOINT ["unionflow"]
CMD ["worker"]
