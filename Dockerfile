# syntax=docker/dockerfile:1
# Berth's own image, shipped the way hadolint, kube-linter and Trivy ship theirs: the release binary,
# built beforehand with the Swift standard library linked statically, on a small pinned base, run as
# an unprivileged user.
#
#   swift build -c release --static-swift-stdlib --product berth
#   cp .build/release/berth . && strip berth    # the build context needs only the binary and this file
#   buildah bud -t berth:0.1.0 .             # or: docker build -t berth:0.1.0 .
#   docker run --rm -v "$PWD:/work:ro" berth:0.1.0 check /work
ARG BASE=debian:12.8-slim
# berth:ignore dockerfile-healthcheck-missing -- a command-line image; `berth registry serve` is probed by its orchestrator on /v2/
FROM ${BASE}

ARG BERTH_BINARY=berth
ARG SOURCE=unknown
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="berth" \
      org.opencontainers.image.description="Checks, renders, scans, signs and serves WSO2 container deployments" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0"

COPY --chmod=0755 ${BERTH_BINARY} /usr/local/bin/berth

# Debian's unprivileged `nobody`; mount what it should read (e.g. -v "$PWD:/work:ro").
USER 65534:65534
WORKDIR /work
ENV HOME=/tmp
ENTRYPOINT ["/usr/local/bin/berth"]
CMD ["--help"]
