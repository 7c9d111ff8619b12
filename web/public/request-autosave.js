// Saves a step of the request form when a field is left, so that nothing typed is lost if the page is
// closed. The server answers 204 (saved) or 422 (a field of the wrong type: shown on the next full save).
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
            : 'Certaines valeurs ne peuvent pas être enregistrées : vérifiez-les avant de continuer.';
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
