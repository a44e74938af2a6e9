FROM alpine:3.20
LABEL maintainer="dev@example.com"
USER 802
HEALTHCHECK --interval=30s CMD wget -qO- http://localhost:8080/health || exit 1
ENTRYPOINT ["/app/run"]
