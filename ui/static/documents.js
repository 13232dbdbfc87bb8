// Document pages: add and remove lines of a form (numbered <list>.<n>.<field>, like console.js does for orders),
// tick every draft of a list page at once, and on the bagging page count and weigh the ticked parcels.
(function () {
  const table = document.getElementById("doc-lines");
  if (table) {
    const body = table.querySelector("tbody");
    const list = table.dataset.list;
    const renumber = function () {
      body.querySelectorAll("tr.line").forEach(function (row, i) {
        row.querySelector(".gnum").textContent = i + 1;
        row.querySelectorAll("input").forEach(function (input) {
          input.name = list + "." + (i + 1) + "." + input.dataset.name;
        });
      });
    };
    document.getElementById("add-doc-line").addEventListener("click", function () {
      const row = body.querySelector("tr.line").cloneNode(true);
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      row.querySelectorAll(".msg").forEach(function (m) { m.remove(); });
      row.querySelectorAll(".invalid").forEach(function (c) { c.classList.remove("invalid"); });
      body.appendChild(row);
      renumber();
    });
    body.addEventListener("click", function (event) {
      if (event.target.classList.contains("remove-line") && body.querySelectorAll("tr.line").length > 1) {
        event.target.closest("tr").remove();
        renumber();
      }
    });
  }
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name='draft'][type='checkbox']").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }
  const parcels = document.getElementById("parcels");
  if (parcels) {
    const boxes = parcels.querySelectorAll("input[name='parcel']");
    const count = document.getElementById("ticked-count");
    const weight = document.getElementById("ticked-weight");
    const weigh = function () {
      let n = 0, kg = 0;
      boxes.forEach(function (box) {
        if (box.checked) { n += 1; kg += Number(box.dataset.weight) || 0; }
      });
      count.textContent = n;
      weight.textContent = kg.toFixed(3).replace(/\.?0+$/, "");
    };
    document.getElementById("select-all-parcels").addEventListener("change", function (event) {
      boxes.forEach(function (box) { box.checked = event.target.checked; });
      weigh();
    });
    parcels.addEventListener("change", weigh);
    weigh();
  }
})();
