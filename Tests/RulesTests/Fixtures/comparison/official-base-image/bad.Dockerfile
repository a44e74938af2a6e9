FROM eclipse-temurin:21.0.5_11-jre-noble
COPY lib/ /home/wso2carbon/wso2am-4.5.0/repository/components/lib/
LABEL org.opencontainers.image.source="https://github.com/example/app" org.opencontainers.image.version="1.0.0"
USER 802
HEALTHCHECK --interval=30s CMD wget -qO- http://localhost:8080/health || exit 1
ENTRYPOINT ["/app/run"]
