# Static scheduler and worker binaries in a minimal, non-root image.
#   docker build --build-arg VERSION=v0.1.0 -t icmigrate:v0.1.0 .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X github.com/icmigrate/icmigrate/internal/version.Version=${VERSION}" \
      -o /out/ ./cmd/scheduler ./cmd/worker

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/scheduler /out/worker /usr/local/bin/
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/worker"]
