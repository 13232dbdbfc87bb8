// #18: a list's page size applies as soon as it is chosen (no inline handlers: the consoles' CSP forbids them)
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
