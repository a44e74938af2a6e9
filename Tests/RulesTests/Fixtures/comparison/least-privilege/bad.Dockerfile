FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends sudo && rm -rf /var/lib/apt/lists/* \
    && chmod u+s /usr/bin/find
LABEL org.opencontainers.image.source="https://github.com/example/app" org.opencontainers.image.version="1.0.0"
USER 802
HEALTHCHECK --interval=30s CMD wget -qO- http://localhost:8080/health || exit 1
ENTRYPOINT ["/app/run"]
