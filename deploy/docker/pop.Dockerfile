# The `pop` image: server, puller and executor (one binary). Build from the repository's root:
#   docker build -f deploy/docker/pop.Dockerfile -t pop:latest .
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build git ca-certificates \
      libboost1.74-dev nlohmann-json3-dev libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev \
      libssl-dev libcurl4-openssl-dev zlib1g-dev libpq-dev pkg-config libyaml-cpp-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    && cmake --build build --target pop

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      ca-certificates libsqlite3-0 libspdlog1.10 libfmt9 libssl3 libcurl4 zlib1g libpq5 \
      libyaml-cpp0.7 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/bin/pop /usr/local/bin/pop
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/pop"]
