# syntax=docker/dockerfile:1
# The i福田 backend as one static binary (the SQLite driver is pure Go, the
# console is embedded) on a distroless base: no shell, no package manager,
# a non-root user. Run the root file system read-only; only /data (the
# volume: SQLite file, photos, backups) and /tmp (a tmpfs) are written.
#
#   docker build --build-arg VERSION=$(git describe --always) -t ifutian .
#   docker run --read-only --tmpfs /tmp -v ifutian:/data -p 8080:8080 \
#     -e IFUTIAN_DATA_KEY=... -e IFUTIAN_MEMBER_CODE_KEY=... ifutian

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/ifutian ./cmd/ifutian
# The data directory, owned by the image's user (distroless nonroot: 65532).
RUN mkdir -p /out/data/files /out/data/backups

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ifutian /usr/local/bin/ifutian
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV IFUTIAN_ADDR=:8080 \
    IFUTIAN_DB=sqlite:/data/ifutian.db \
    IFUTIAN_DATA_DIR=/data/files \
    IFUTIAN_BACKUP_DIR=/data/backups \
    IFUTIAN_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
# No curl in the image: the binary asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["/usr/local/bin/ifutian", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ifutian"]
CMD ["serve"]
