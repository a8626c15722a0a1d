# exctl in a container: `docker build -t exctl .` then
#   docker run -p 8080:8080 -v exctl-data:/var/lib/exctl exctl
# serves the API and web UI on port 8080 with its records, keys and lists in
# the volume; the first admin key is printed in the container's log on the
# first start. Put TLS (--tls-cert/--tls-key) or a reverse proxy in front.
# The slim image has no HTTP client: probe http://HOST:8080/readyz from the
# orchestrator (a Kubernetes readiness probe, a compose healthcheck with curl
# in a sidecar) rather than with a HEALTHCHECK inside the image.
# Pinned: the toolchain the project builds with, and a Debian release.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p exctl \
 && objcopy --strip-debug target/release/exctl /exctl

FROM debian:bookworm-slim
RUN useradd --system --user-group --home-dir /var/lib/exctl --shell /usr/sbin/nologin exctl \
 && install -d -o exctl -g exctl -m 0750 /var/lib/exctl
COPY --from=build /exctl /usr/bin/exctl
USER exctl
ENV EXCTL_HOME=/var/lib/exctl EXCTL_LISTS=/var/lib/exctl/lists EXCTL_USER=exctl-container
VOLUME /var/lib/exctl
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/exctl"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
