// A refused form comes back with the list of its errors at the top: focus goes there, so that a keyboard or screen
// reader user hears what to correct and reaches each field from its link. (Not when a link to a field brought the
// person here: the browser already put them on that field.)
const fieldOf = (hash) => hash && document.getElementById(decodeURIComponent(hash.slice(1)));
const errorSummary = document.querySelector('[data-error-summary]');
const linkedField = fieldOf(window.location.hash);
if (linkedField && linkedField.matches('input, textarea, select')) linkedField.focus();
else if (errorSummary) errorSummary.focus();
// A link of the list takes the focus to its field, not only the view.
for (const link of document.querySelectorAll('[data-error-summary] a[href^="#"]')) {
  link.addEventListener('click', (event) => {
    const field = fieldOf(link.getAttribute('href'));
    if (!field) return;
    event.preventDefault();
    field.focus();
    field.scrollIntoView({ block: 'center' });
  });
}

// Saves a step of the request form when a field is left, so that nothing typed is lost if the page is
// closed. The server answers 204 (saved) or 200 with the fields it could not keep (a value of the wrong kind, shown
// on its field by the next full save); everything else typed is saved.
const form = document.querySelector('form[data-autosave]');
if (form) {
  const status = document.getElementById('autosave-status');
  let pending;
  const save = async () => {
    const body = new URLSearchParams(new FormData(form));
    body.delete('action');
    try {
      // form.action would be the buttons named "action", not the form's address.
      const answer = await fetch(form.getAttribute('action'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-autosave': '1' },
        body,
        credentials: 'same-origin',
      });
      if (status) {
        status.textContent =
          answer.status === 204
            ? `Brouillon enregistré à ${new Date().toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' })}`
            : answer.ok
              ? 'Brouillon enregistré, sauf une valeur à corriger : elle sera signalée quand vous continuerez.'
              : 'Enregistrement automatique impossible : pensez à enregistrer avant de quitter.';
      }
    } catch {
      if (status)
        status.textContent = 'Enregistrement automatique impossible : pensez à enregistrer avant de quitter.';
    }
  };
  form.addEventListener('change', () => {
    clearTimeout(pending);
    pending = setTimeout(save, 150);
  });
}
