# Multi-stage build: compile on the Swift image, run on slim Debian with only runtime libraries.
FROM swift:6.1-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libcurl4-openssl-dev libsqlite3-dev libssl-dev libopenblas-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product infergate --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/infergate" /out/infergate

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libcurl4 libsqlite3-0 libssl3 libopenblas0-pthread ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /srv/infergate --create-home infergate
COPY --from=build /out/infergate /usr/local/bin/infergate
COPY config /srv/infergate/config
WORKDIR /srv/infergate
USER infergate
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --retries=3 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/infergate"]
CMD ["serve", "--config", "/srv/infergate/config/infergate.json"]
