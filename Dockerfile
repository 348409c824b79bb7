# modsync container image.
#
#   docker build -t modsync:0.1.0 .
#   docker run --rm modsync:0.1.0 --version
#
# Base image: the official Node 24 image on Debian bookworm-slim rather than Alpine. The
# `node` devDependency installs a glibc Node binary into node_modules/.bin, which npm scripts
# put first on PATH; on Alpine (musl) that binary cannot run. glibc also keeps DNS resolution
# in the pod the same as every other Debian-based workload (musl's resolver treats search
# domains and ndots differently). Pin the tag to a digest in your own builds if you need
# reproducible images.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: bundle the CLI into dist/ with the image's own Node -----------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no `prepare` before the sources are here, and no download of the `node`
# devDependency's binary; the bundler (esbuild's JS API and its platform package, which need no
# install script) runs on the image's Node below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build.ts ./scripts/
COPY src ./src
RUN node scripts/build.ts

# --- deps: production dependencies only ---------------------------------------------------
# None of them has an install script (only the `node` devDependency does), hence --ignore-scripts.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="modsync" \
      org.opencontainers.image.description="GitOps sync agent for Deckhouse Kubernetes Platform modules" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    MODSYNC_CACHE_DIR=/var/cache/modsync
WORKDIR /app
# The package root as src/core/paths.ts expects it: dist/ next to config/ and crds/. The bundle
# needs node_modules only for client-node's full KubeConfig (kubeconfigs with auth providers or
# a proxy-url) and ajv's compiler (schemas not generated at build time).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/dist ./dist
COPY config ./config
COPY crds ./crds
# `modsync` on PATH (the entrypoint), and the git cache folder owned by the runtime user. The
# root filesystem can then be mounted read-only: mount a volume (emptyDir) at the cache dir
# and at /tmp.
RUN ln -s /app/dist/modsync.js /usr/local/bin/modsync \
 && mkdir -p /var/cache/modsync \
 && chown 65532:65532 /var/cache/modsync
# Node's compile cache, baked in, for the small executable (dist/modsync.js). The bundle it runs
# (dist/modsync.cjs) keeps a V8 code cache per command in $MODSYNC_CACHE_DIR/code-cache, written
# by the first run of each command: with the chart's cachePersistence volume every later
# CronJob run starts from it (bench/README.md). The warm-up below writes that one elsewhere, so
# the cache volume starts empty and owned by the runtime user.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN mkdir -p /tmp/warm \
 && MODSYNC_CACHE_DIR=/tmp/warm-cache modsync --help > /dev/null \
 && MODSYNC_CACHE_DIR=/tmp/warm-cache modsync validate /tmp/warm > /dev/null \
 && rm -rf /tmp/warm /tmp/warm-cache
VOLUME ["/var/cache/modsync"]
# 65532: the conventional "nonroot" UID; numeric so that runAsNonRoot can verify it.
USER 65532:65532
# Webhooks, /healthz, /readyz and /metrics of `modsync run`.
EXPOSE 8080
ENTRYPOINT ["modsync"]
CMD ["run"]
