# syntax=docker/dockerfile:1
# Stage 1: install production dependencies with the full toolchain available.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Stage 2: type-check the sources (the runtime runs them directly, so this is the build gate).
FROM node:24-slim AS check
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY blocks ./blocks
COPY migrations ./migrations
RUN npx tsc --noEmit -p tsconfig.json

# Stage 3: the runtime image — no compilers, no dev dependencies, not root.
FROM node:24-slim AS runtime
ENV NODE_ENV=production PORT=3000 POLICY_PATH=/app/policies DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY blocks ./blocks
COPY migrations ./migrations
COPY policies ./policies
# The digest chart's labels are drawn with a system font (resvg reads the system's fonts); without
# one the bars still render but every label is blank.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "--experimental-strip-types", "bin/infra-agent.js"]
CMD ["serve"]
