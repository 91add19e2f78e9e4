# The policykg API on the embedded default or, with POLICYKG_GRAPH=neo4j, on Neo4j.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OMP_NUM_THREADS=2 \
    POLICYKG_DATA_DIR=/data
WORKDIR /app
# LibreOffice converts the legacy .doc/.wps files bureaus still send (Writer only, no GUI).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libreoffice-writer-nogui \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY graph graph
COPY embeddings embeddings
COPY loaders loaders
COPY service service
COPY examples examples
RUN pip install --no-cache-dir .
VOLUME /data
EXPOSE 8000
CMD ["policykg", "serve", "--host", "0.0.0.0", "--port", "8000"]
