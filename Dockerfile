# The airabench image: one static binary on an empty base, run as a
# non-root user. Build it from the repository root:
#
#   docker build -t registry.example/airabench:v1 \
#       --build-arg VERSION=$(git describe --tags --always --dirty) .
#
# The build stage downloads the modules pinned in go.sum; the image needs
# no network of its own (its only traffic is the load it sends).
# docs/kubernetes.md runs it as a sharded Job.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first, so that a change of the source reuses this layer.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=devel
RUN CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/airabench ./cmd/airabench \
    && mkdir -p /out/work

FROM scratch
# CA roots for https targets; the bundled mock needs none.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/airabench /usr/local/bin/airabench
# A writable working folder for the default out/ when run by hand; the
# Kubernetes manifests write to their results volume instead.
COPY --from=build --chown=65532:65532 /out/work /work
WORKDIR /work
ENV HOME=/work
# 65532 is deploy.UID, the user the manifests' securityContext expects.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/airabench"]
CMD ["help"]
