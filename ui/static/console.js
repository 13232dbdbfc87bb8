// Order form: add and remove goods lines and keep their numbering (gnum) and field names in step.
(function () {
  const table = document.getElementById("lines");
  if (!table) return;
  const body = table.querySelector("tbody");
  function renumber() {
    body.querySelectorAll("tr.line").forEach(function (row, i) {
      row.querySelector(".gnum").textContent = i + 1;
      row.querySelectorAll("input").forEach(function (input) {
        input.name = "orderList." + (i + 1) + "." + input.dataset.name;
      });
    });
  }
  document.getElementById("add-line").addEventListener("click", function () {
    const template = body.querySelector("tr.line");
    const row = template.cloneNode(true);
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
})();
