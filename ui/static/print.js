// #18 print views: the 打印 button opens the browser's print dialog (which also saves as PDF); no inline script (CSP)
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-now");
  if (button) button.addEventListener("click", () => window.print());
});
