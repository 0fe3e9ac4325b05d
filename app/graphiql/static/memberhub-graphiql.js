// Starts GraphiQL from the configuration the server put in the page; kept out of the
// page itself so the Content-Security-Policy needs no inline scripts.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  // Subscriptions run over graphql-transport-ws at this page's own address, whatever
  // host, port and scheme serve it (ws: beside http:, wss: beside https:).
  var socket = new URL(window.location.pathname, window.location.href);
  socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";
  var fetcher = GraphiQL.createFetcher({
    url: window.location.pathname,
    subscriptionUrl: socket.href,
  });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      defaultHeaders: config.defaultHeaders,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    })
  );
})();
