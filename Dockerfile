# The policykg API on the embedded default or, with POLICYKG_GRAPH=neo4j, on Neo4j.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OMP_NUM_THREADS=2 \
    POLICYKG_DATA_DIR=/data
WORKDIR /app
# LibreOffice converts the legacy .doc/.wps files bureaus still send (Writer only, no GUI).
# libseccomp2 sandboxes the embedded store's Cypher worker (graph/query_worker.py); the
# default Docker seccomp profile lets a process add its own filter.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libreoffice-writer-nogui libseccomp2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data policykg \
    && mkdir -p /data /originals && chown policykg /data /originals
COPY pyproject.toml README.md ./
COPY graph graph
COPY embeddings embeddings
COPY loaders loaders
COPY service service
COPY examples examples
RUN pip install --no-cache-dir .
USER policykg
VOLUME /data
EXPOSE 8000
CMD ["policykg", "serve", "--host", "0.0.0.0", "--port", "8000"]
