# syntax=docker/dockerfile:1
#
# icmigrate's image: static scheduler and worker binaries in a minimal,
# non-root runtime image (distroless static: no shell, no package manager).
#
#   docker build --build-arg VERSION=v0.1.0 -t ghcr.io/icmigrate/icmigrate:v0.1.0 .
#
# deploy/image_test.go runs the go build line below with the same flags on
# every `go test ./...` and checks that its binaries are static and stamped.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -tags netgo,osusergo -ldflags "-s -w -X github.com/icmigrate/icmigrate/internal/version.Version=${VERSION}" -o /out/ ./cmd/scheduler ./cmd/worker

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="icmigrate" \
      org.opencontainers.image.description="Moves an Intercom workspace between data-hosting regions" \
      org.opencontainers.image.source="https://github.com/icmigrate/icmigrate" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/scheduler /out/worker /usr/local/bin/
# distroless's nonroot user, by number: Kubernetes' runAsNonRoot can check it.
USER 65532:65532
# /metrics, /healthz, /readyz (worker --metrics-addr).
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/worker"]
