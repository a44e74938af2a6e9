/// The Dockerfile `berth parse` reads when no file is named: a hardened WSO2 API Manager
/// gateway image as the practice catalog asks for it.
enum BuiltInExample {
    static let name = "built-in:wso2am-gateway.Dockerfile"

    static let dockerfile = #"""
        # syntax=docker/dockerfile:1
        # check=error=true
        ARG BASE_IMAGE=eclipse-temurin:21.0.5_11-jre-noble
        FROM ${BASE_IMAGE}

        ARG WSO2_SERVER_VERSION=4.5.0
        ARG WSO2_SERVER_DIST_URL=https://github.com/wso2/product-apim/releases/download/v${WSO2_SERVER_VERSION}/wso2am-universal-gw-${WSO2_SERVER_VERSION}.zip
        # No default: the build fails unless the published checksum is passed with --build-arg.
        ARG WSO2_SERVER_DIST_SHA256
        ARG USER=wso2carbon
        ARG USER_ID=802
        ARG USER_GROUP=wso2
        ARG USER_GROUP_ID=802
        ARG USER_HOME=/home/${USER}
        ARG WSO2_SERVER_HOME=${USER_HOME}/wso2am-universal-gw-${WSO2_SERVER_VERSION}

        LABEL org.opencontainers.image.title="WSO2 API Manager universal gateway" \
              org.opencontainers.image.version="${WSO2_SERVER_VERSION}" \
              org.opencontainers.image.source="https://github.com/wso2/docker-apim"

        # One layer: create the non-root user, fetch over HTTPS, verify, unpack, clean up.
        RUN set -eux; \
            : "${WSO2_SERVER_DIST_SHA256:?pass --build-arg WSO2_SERVER_DIST_SHA256=<sha256 of the zip>}"; \
            groupadd --system -g ${USER_GROUP_ID} ${USER_GROUP}; \
            useradd --system --create-home --home-dir ${USER_HOME} --no-log-init \
                -g ${USER_GROUP_ID} -u ${USER_ID} ${USER}; \
            apt-get update; \
            apt-get install -y --no-install-recommends curl unzip; \
            curl -fsSL -o /tmp/dist.zip "${WSO2_SERVER_DIST_URL}"; \
            echo "${WSO2_SERVER_DIST_SHA256}  /tmp/dist.zip" | sha256sum -c -; \
            unzip -q /tmp/dist.zip -d ${USER_HOME}; \
            rm -f /tmp/dist.zip; \
            apt-get purge -y --auto-remove unzip; \
            rm -rf /var/lib/apt/lists/*; \
            mkdir -p ${USER_HOME}/wso2-config-volume ${USER_HOME}/wso2-artifact-volume ${USER_HOME}/wso2-patch-volume; \
            chown -R ${USER_ID}:${USER_GROUP_ID} ${USER_HOME}

        COPY --chown=802:802 --chmod=0755 <<'EOF' ${USER_HOME}/docker-entrypoint.sh
        #!/bin/sh
        set -e
        # Overlay configuration, artifacts and patches from their volumes, then hand PID 1 over.
        for volume in wso2-config-volume wso2-artifact-volume wso2-patch-volume; do
            if [ -d "${HOME}/${volume}" ]; then cp -RL "${HOME}/${volume}/." "${WSO2_SERVER_HOME}/"; fi
        done
        exec "${WSO2_SERVER_HOME}/bin/gateway.sh" "$@"
        EOF

        USER 802:802
        WORKDIR ${USER_HOME}
        ENV WSO2_SERVER_HOME=${WSO2_SERVER_HOME}
        EXPOSE 8243 8280
        HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
            CMD curl -fsk https://localhost:8243/health || exit 1
        ENTRYPOINT ["/home/wso2carbon/docker-entrypoint.sh"]

        """#
}
