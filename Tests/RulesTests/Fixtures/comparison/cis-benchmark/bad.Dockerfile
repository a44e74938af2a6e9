FROM alpine:3.20
LABEL org.opencontainers.image.source="https://github.com/example/app" org.opencontainers.image.version="1.0.0"
USER 802
ENTRYPOINT ["/app/run"]
