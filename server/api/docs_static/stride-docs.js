// Starts Swagger UI on the docs page. A file rather than an inline script, so that the page's
// Content-Security-Policy can forbid inline scripts.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    dom_id: "#swagger-ui-container",
    // No call to the public validator at swagger.io: the page works with no internet.
    validatorUrl: null,
  });
});
