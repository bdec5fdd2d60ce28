// The i福田 API explorer: Swagger UI over /openapi.json, with a search that
// matches paths, methods, summaries, descriptions, operation IDs and tags
// (Swagger UI's own filter only matches tag names). Everything is served by
// this server: no CDN, no validator badge, no other origin.
(function () {
  'use strict';
  var token = new URLSearchParams(location.search).get('token'); // IFUTIAN_OPS_TOKEN, when set
  var specURL = 'openapi.json' + (token ? '?token=' + encodeURIComponent(token) : '');

  function SearchPlugin() {
    return {
      fn: {
        opsFilter: function (taggedOps, phrase) {
          var words = String(phrase || '').toLowerCase().split(/\s+/).filter(Boolean);
          if (!words.length) return taggedOps;
          return taggedOps
            .map(function (tagObj, tag) {
              var tagText = [tag, tagObj.getIn(['tagDetails', 'x-displayName'])].join(' ');
              return tagObj.set('operations', tagObj.get('operations').filter(function (op) {
                var o = op.get('operation');
                var text = [tagText, op.get('method'), op.get('path'), o.get('operationId'), o.get('summary'), o.get('description')]
                  .join(' ').toLowerCase();
                return words.every(function (w) { return text.indexOf(w) >= 0; });
              }));
            })
            .filter(function (tagObj) { return tagObj.get('operations').size > 0; });
        }
      }
    };
  }

  window.ui = SwaggerUIBundle({
    url: specURL,
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SearchPlugin],
    layout: 'BaseLayout',
    deepLinking: true,
    filter: true,              // the search box (see SearchPlugin)
    tryItOutEnabled: true,     // every operation can be sent at once
    persistAuthorization: true,
    displayOperationId: true,
    displayRequestDuration: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 1,
    defaultModelExpandDepth: 3,
    validatorUrl: null          // the default badge calls an outside validator
  });
})();
