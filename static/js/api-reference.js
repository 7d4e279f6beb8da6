// Renders the API reference with the vendored Swagger UI (no CDN, no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("api-reference");
  if (!node || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    domNode: node,
    deepLinking: true,
    tryItOutEnabled: false,
  });
});
