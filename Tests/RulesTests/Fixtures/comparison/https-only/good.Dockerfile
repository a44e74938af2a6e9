FROM ubuntu:24.04
ARG SUM=4f0e7a1e1f0c2f8f3c5d0a8b9c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && curl -fsSLo /tmp/tool.tgz https://downloads.example.com/tool-1.2.tgz \
    && echo "${SUM}  /tmp/tool.tgz" | sha256sum -c - && tar -xzf /tmp/tool.tgz -C /opt && rm -f /tmp/tool.tgz \
    && rm -rf /var/lib/apt/lists/*
LABEL org.opencontainers.image.source="https://github.com/example/app" org.opencontainers.image.version="1.0.0"
USER 802
HEALTHCHECK --interval=30s CMD wget -qO- http://localhost:8080/health || exit 1
ENTRYPOINT ["/app/run"]
