FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends curl unzip \
    && curl -fsSLo /tmp/wso2am.zip https://github.com/wso2/product-apim/releases/download/v4.5.0/wso2am-4.5.0.zip \
    && unzip -q /tmp/wso2am.zip -d /opt && rm -f /tmp/wso2am.zip && rm -rf /var/lib/apt/lists/*
LABEL org.opencontainers.image.source="https://github.com/example/app" org.opencontainers.image.version="1.0.0"
USER 802
HEALTHCHECK --interval=30s CMD wget -qO- http://localhost:8080/health || exit 1
ENTRYPOINT ["/app/run"]
