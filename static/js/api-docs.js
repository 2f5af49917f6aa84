// The API's documentation page (templates/api/docs.html): Swagger UI drawn from the schema,
// trying requests with this browser's session and its CSRF token.
(function () {
  "use strict";
  function start() {
    var node = document.getElementById("swagger-ui");
    if (!node || typeof window.SwaggerUIBundle !== "function") return;
    window.SwaggerUIBundle({
      url: node.dataset.schemaUrl,
      domNode: node,
      deepLinking: true,
      withCredentials: true,
      requestInterceptor: function (request) {
        request.headers["X-CSRFToken"] = node.dataset.csrfToken;
        return request;
      },
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
