# Grænsen: a static binary on a distroless base, running as non-root.
# Base images are pinned to exact versions; pin them by digest too in your
# registry mirror for fully reproducible builds (see README, "Container").
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# -trimpath and no VCS stamping: the same source gives the same binary.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X main.version=${VERSION}" -o /out/graensen ./cmd/graensen

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/graensen /graensen
USER nonroot:nonroot
ENV PORT=3978 GRAENSEN_ENV=production
EXPOSE 3978
# Nothing is written to disk: the container runs with a read-only root
# filesystem (docker run --read-only).
HEALTHCHECK --interval=15s --timeout=4s --start-period=5s --retries=3 CMD ["/graensen", "healthcheck"]
ENTRYPOINT ["/graensen"]
CMD ["serve"]
