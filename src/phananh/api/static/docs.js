/* The API docs page: Swagger UI from our own files (no CDN, no inline script). Calls made with "Try it out" from
   a signed-in browser carry the session's CSRF token, which the API wants on cookie-authenticated writes. */
(function () {
  "use strict";
  const el = document.getElementById("swagger-ui");
  const csrf = document.querySelector('meta[name="csrf-token"]');
  window.ui = SwaggerUIBundle({
    url: el.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    requestInterceptor: (req) => {
      if (csrf && csrf.content) req.headers["X-CSRF-Token"] = csrf.content;
      return req;
    },
  });
})();
