// "Copy" buttons of pages that show a secret once (no inline script: the CSP forbids it).
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy-target]') : null;
  if (!button) return;
  const field = document.getElementById(button.getAttribute('data-copy-target'));
  if (!field) return;
  const done = () => {
    button.textContent = button.getAttribute('data-copied-label') || 'Copié';
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => {
      field.select();
    });
  } else {
    field.select();
    if (document.execCommand('copy')) done();
  }
});
