# syntax=docker/dockerfile:1
# glassbox as one image for the web process and the background-job worker:
#   web:    the default command (node build/main.js)
#   worker: docker run ... glassbox node build/worker.js
#   docker build -t glassbox .
#   docker run -p 3000:3000 -e NODE_ENV=production -e SESSION_SECRET=... -e DATABASE_URL=postgres://... glassbox

# 1. Dependencies and build. argon2 compiles its native addon, so this stage has the toolchain.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` honours the lockfile (see STACK.md for why not `npm ci` on every mirror).
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# 2. Runtime: the build, production dependencies (with the compiled addon), nothing else.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/build ./build
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# Liveness only (/health touches nothing); point a load balancer's readiness at /ready.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains: open streams end, in-flight requests finish, the process exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "build/main.js"]
