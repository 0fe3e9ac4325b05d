// Starts GraphiQL from the configuration the server put in the page; kept out of the
// page itself so the Content-Security-Policy needs no inline scripts.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  // Subscriptions run over graphql-transport-ws at this page's own address, whatever
  // host, port and scheme serve it (ws: beside http:, wss: beside https:).
  var socket = new URL(window.location.pathname, window.location.href);
  socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";
  var send = GraphiQL.createFetcher({
    url: window.location.pathname,
    subscriptionUrl: socket.href,
  });
  // GraphiQL names the operation, and tells a subscription, by the text it parsed last,
  // which lags an edit run at once: the server must refuse a name the document does not
  // declare (GraphQL over HTTP), and a subscription sent over HTTP. So a document of one
  // named operation is sent under its own name and type; with several, the server's
  // coded answer says to pick one.
  var declared = /\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g;
  function fetcher(params, options) {
    var operations = [];
    var match;
    declared.lastIndex = 0;
    while ((match = declared.exec(params.query || "")) !== null) {
      operations.push({
        kind: "OperationDefinition",
        operation: match[1],
        name: { kind: "Name", value: match[2] },
      });
    }
    if (operations.length === 1) {
      params = Object.assign({}, params, { operationName: operations[0].name.value });
      options = Object.assign({}, options, {
        documentAST: { kind: "Document", definitions: operations },
      });
    }
    return send(params, options);
  }
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
