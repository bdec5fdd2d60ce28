#!/bin/sh
# Refreshes the Swagger UI files in dist/ from package-lock.json (run from anywhere; needs npm).
set -e; cd "$(dirname "$0")" && npm ci --ignore-scripts --no-audit --no-fund && for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE; do cp "node_modules/swagger-ui-dist/$f" dist/; done && rm -rf node_modules
