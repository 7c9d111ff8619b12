// Sends the browser on to ProConnect's logout at once; without JavaScript, the person follows the link.
const link = document.getElementById('proconnect-deconnexion');
if (link) window.location.replace(link.href);
