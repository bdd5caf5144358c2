// The query editor: YASGUI on this server's endpoint, one tab per catalogue query.
// Nothing may leave the machine: no prefix.cc or LOV look-ups (only the bundled prefixes and the
// query's own variables are offered for completion), no endpoint catalogue but our own, and no
// state restored from other sites' storage.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  if (!root || typeof window.Yasgui === "undefined") return;
  var endpoint = new URL(root.dataset.endpoint, window.location.href).toString();
  var catalogue = JSON.parse(document.getElementById("catalogue").textContent || "[]");
  var Yasgui = window.Yasgui;
  var Yasqe = Yasgui.Yasqe;
  var local = ["prefixes", "variables"];
  // The "properties" and "classes" completers ask lov.linkeddata.es: unregister them.
  Object.keys(Yasqe.Autocompleters).forEach(function (name) {
    if (local.indexOf(name) < 0) delete Yasqe.Autocompleters[name];
  });
  Yasqe.defaults.autocompleters = local.slice();
  Yasqe.defaults.prefixCcApi = null;
  Yasgui.defaults.yasqe.autocompleters = local.slice();
  Yasgui.defaults.yasqe.prefixCcApi = null;

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
      keys: []
    },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: catalogue.length === 0,
    yasqe: { autocompleters: local.slice(), prefixCcApi: null }
  });
  var wanted = root.dataset.selected;
  var selectedId = null;
  catalogue.forEach(function (entry, i) {
    var tab = yasgui.addTab(i === 0, {
      name: entry.summary.length > 40 ? entry.summary.slice(0, 39) + "…" : entry.summary,
      yasqe: { value: entry.query },
      requestConfig: { endpoint: endpoint }
    });
    if (entry.name === wanted) selectedId = tab.getId();
  });
  if (selectedId) yasgui.selectTabId(selectedId);
  window.ungraphEditor = yasgui;

  // Result IRIs minted by the graph open their page on this server ({base}id/x -> /page/x),
  // whatever host the base names; other IRIs keep their own address.
  var idSpace = root.dataset.base + "id/";
  var pages = new URL(root.dataset.pages, window.location.href).toString();
  function localise(scope) {
    scope.querySelectorAll("a.iri").forEach(function (link) {
      var iri = link.getAttribute("href") || "";
      if (iri.indexOf(idSpace) === 0) {
        link.setAttribute("href", pages + iri.slice(idSpace.length));
        link.removeAttribute("target");
        link.setAttribute("title", iri);
      }
    });
  }
  new MutationObserver(function () { localise(root); })
    .observe(root, { childList: true, subtree: true });
})();
