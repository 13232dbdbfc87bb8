// Code autocomplete: inputs for currency, country and unit codes get a <datalist> filled from the lookup API
// (GET /api/reference/<list>?q=...) as the user types; typing 日 or 11 offers "116 日本".
(function () {
  const LISTS = { currency: "currencies", country: "countries", tradeCountry: "countries", unit: "units",
                  unit1: "units", unit2: "units" };
  const lang = document.documentElement.lang === "en" ? "en" : "zh-CN";
  const timers = {};

  function datalist(list) {
    let element = document.getElementById("ref-" + list);
    if (!element) {
      element = document.createElement("datalist");
      element.id = "ref-" + list;
      document.body.appendChild(element);
    }
    return element;
  }

  function fill(list, q) {
    const url = "/api/reference/" + list + "?limit=30&lang=" + lang + "&q=" + encodeURIComponent(q);
    fetch(url).then(function (r) { return r.ok ? r.json() : { items: [] }; }).then(function (data) {
      const element = datalist(list);
      element.replaceChildren.apply(element, data.items.map(function (item) {
        const option = document.createElement("option");
        option.value = item.code;
        option.label = item.label;
        option.textContent = item.label;
        return option;
      }));
    }).catch(function () {});
  }

  function listOf(input) {
    return LISTS[input.dataset.name || input.name];
  }

  function attach(input) {
    const list = listOf(input);
    if (!list || input.readOnly) return;
    input.setAttribute("list", "ref-" + list);
    input.setAttribute("autocomplete", "off");
    datalist(list);
  }

  document.querySelectorAll("input").forEach(attach);
  document.addEventListener("focusin", function (event) {
    if (event.target.tagName === "INPUT" && listOf(event.target)) {
      attach(event.target);
      fill(listOf(event.target), event.target.value.trim());
    }
  });
  document.addEventListener("input", function (event) {
    const list = event.target.tagName === "INPUT" ? listOf(event.target) : null;
    if (!list) return;
    clearTimeout(timers[list]);
    const q = event.target.value.trim();
    timers[list] = setTimeout(function () { fill(list, q); }, 120);
  });
})();
