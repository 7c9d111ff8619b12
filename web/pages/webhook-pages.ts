import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayFailedWebhookDeliveries,
  replayWebhookDelivery,
  rotateWebhookSecret,
  sendWebhookTest,
  updateWebhookEndpoint,
  viewWebhookEndpoint,
} from '../../app/webhooks.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { theApi } from '../../domain/api-name.ts';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks.ts';
import { renderConfirmation } from '../confirmation.ts';
import { flash } from '../flash.ts';
import { formAction, keepFormState, takeFormState } from '../form-actions.ts';
import { fieldErrorsOf } from '../forms.ts';
import { checkedValues, idParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';
import { keepShownOnce, takeShownOnce } from '../shown-once.ts';

const STATUS_LABELS = { pending: 'En attente', active: 'Actif', disabled: 'Désactivé' } as const;
const DELIVERY_LABELS = { pending: 'En cours', delivered: 'Livré', failed: 'Échec' } as const;

function slugParam(req: Request): string {
  const slug = String(req.params.slug);
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(slug)) throw notFound();
  return slug;
}

const webhooksTitle = (apiName: string) => `Webhooks de ${theApi(apiName)}`;

const base = (slug: string) => `/developpeurs/${slug}/webhooks`;
const endpointPage = (req: Request) => `${base(slugParam(req))}/${idParam(req, 'id')}`;

/** A signing secret as it crosses the redirect to the page that shows it once. */
interface ShownSecret {
  secret: string;
  rotated: boolean;
}

async function renderList(
  deps: AppDeps,
  req: Request,
  res: Response,
  slug: string,
  form: { url?: string; events?: string[]; errors?: Record<string, string> } = {},
) {
  const endpoints = await listWebhookEndpoints(deps, req.user!, slug);
  const definition = deps.definitions.find(slug)!;
  const chosen = new Set(form.events ?? WEBHOOK_EVENT_TYPES);
  res.status(form.errors ? 422 : 200).render('webhooks/index', {
    title: webhooksTitle(definition.name),
    heading: webhooksTitle(definition.name),
    definition,
    endpoints: endpoints.map((endpoint) => ({
      ...endpoint,
      statusLabel: STATUS_LABELS[endpoint.status],
      active: endpoint.status === 'active',
      disabled: endpoint.status === 'disabled',
      href: `${base(slug)}/${endpoint.id}`,
    })),
    eventChoices: WEBHOOK_EVENT_TYPES.map((type, index) => ({ type, index, checked: chosen.has(type) })),
    form: { url: form.url ?? '' },
    errors: form.errors,
  });
}

/** The pages of a definition's developers: its webhook endpoints, their deliveries, a replay (issue 14). */
export function webhookPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/developpeurs/:slug/webhooks', requireSignedIn, async (req, res) => {
    const { errors, values } = takeFormState(req);
    await renderList(deps, req, res, slugParam(req), {
      url: values?.url,
      events: values?.events === undefined ? undefined : values.events.split(',').filter(Boolean),
      errors,
    });
  });

  // Post/redirect/get: the signing secret crosses the redirect sealed (web/shown-once.ts) and is shown by a GET,
  // once; a refresh neither adds a second endpoint nor renews the secret again.
  router.post(
    '/developpeurs/:slug/webhooks',
    requireSignedIn,
    formAction(
      async (req) => {
        const slug = slugParam(req);
        const url = typeof req.body?.url === 'string' ? req.body.url : '';
        const events = checkedValues(req.body, 'events');
        try {
          const { endpoint, secret } = await createWebhookEndpoint(deps, req.user!, slug, { url, events });
          const path = `${base(slug)}/${endpoint.id}/secret`;
          keepShownOnce(deps, req, path, 'webhook-secret', { secret, rotated: false } satisfies ShownSecret);
          return { redirect: path };
        } catch (error) {
          // Refused input keeps the ticked events, and an event's error (`events.2`) shows on the events
          // fieldset: more than formAction's text fields. Any other refusal is formAction's (a Conflict's flash).
          const errors = fieldErrorsOf(error);
          if (!errors) throw error;
          const eventsError = Object.entries(errors).find(([path]) => path.startsWith('events'))?.[1];
          keepFormState(
            req,
            base(slug),
            Object.fromEntries(
              Object.entries({ url: errors.url, events: eventsError }).filter(
                ([, value]) => value !== undefined,
              ),
            ) as Record<string, string>,
            { url, events: events.filter((event) => /^[a-z_.]+$/.test(event)).join(',') },
          );
          return { redirect: base(slug) };
        }
      },
      { back: (req) => base(slugParam(req)) },
    ),
  );

  router.get('/developpeurs/:slug/webhooks/:id/secret', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    const endpoint = await viewWebhookEndpoint(deps, req.user!, slug, idParam(req, 'id'));
    const endpointUrl = `${base(slug)}/${endpoint.id}`;
    const shown = takeShownOnce<ShownSecret>(deps, req, 'webhook-secret');
    if (!shown) {
      flash(
        req,
        'info',
        'Le secret de signature ne s’affiche qu’une fois. Si vous ne l’avez pas conservé, générez-en un nouveau.',
      );
      return res.redirect(303, endpointUrl);
    }
    res.set('Cache-Control', 'no-store');
    res.render('webhooks/secret', {
      title: shown.rotated ? 'Nouveau secret de signature' : 'Webhook ajouté',
      rotated: shown.rotated,
      endpoint,
      secret: shown.secret,
      endpointUrl,
    });
  });

  router.get('/developpeurs/:slug/webhooks/:id', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    const id = idParam(req, 'id');
    const endpoint = await viewWebhookEndpoint(deps, req.user!, slug, id);
    const deliveries = await listWebhookDeliveries(deps, req.user!, slug, id, { limit: 50 });
    res.render('webhooks/endpoint', {
      title: 'Livraisons du webhook',
      definition: deps.definitions.find(slug)!,
      listUrl: base(slug),
      listTitle: webhooksTitle(deps.definitions.find(slug)!.name),
      endpoint: {
        ...endpoint,
        statusLabel: STATUS_LABELS[endpoint.status],
        active: endpoint.status === 'active',
        disabled: endpoint.status === 'disabled',
      },
      deliveries: deliveries.map((delivery) => ({
        ...delivery,
        statusLabel: DELIVERY_LABELS[delivery.status],
        delivered: delivery.status === 'delivered',
        failed: delivery.status === 'failed',
        replayUrl: `${base(slug)}/${id}/livraisons/${delivery.eventId}/renvoi`,
      })),
    });
  });

  router.post(
    '/developpeurs/:slug/webhooks/:id/test',
    requireSignedIn,
    formAction(
      async (req) => {
        await sendWebhookTest(deps, req.user!, slugParam(req), idParam(req, 'id'));
        return {
          redirect: endpointPage(req),
          flash: { type: 'success', message: 'Un évènement de test a été envoyé.' },
        };
      },
      { back: endpointPage },
    ),
  );

  router.post(
    '/developpeurs/:slug/webhooks/:id/livraisons/:eventId/renvoi',
    requireSignedIn,
    formAction(
      async (req) => {
        await replayWebhookDelivery(
          deps,
          req.user!,
          slugParam(req),
          idParam(req, 'id'),
          idParam(req, 'eventId'),
        );
        return {
          redirect: endpointPage(req),
          flash: {
            type: 'success',
            message: 'L’évènement est renvoyé, avec le même identifiant (webhook-id).',
          },
        };
      },
      { back: endpointPage },
    ),
  );

  router.post(
    '/developpeurs/:slug/webhooks/:id/activation',
    requireSignedIn,
    formAction(
      async (req) => {
        const enabled = req.body?.enabled === 'oui';
        await updateWebhookEndpoint(deps, req.user!, slugParam(req), idParam(req, 'id'), { enabled });
        return {
          redirect: endpointPage(req),
          flash: {
            type: 'success',
            message: enabled
              ? 'Le webhook est réactivé : un évènement de test part pour le vérifier.'
              : 'Le webhook est désactivé : il ne reçoit plus d’évènements.',
          },
        };
      },
      { back: endpointPage },
    ),
  );

  router.post(
    '/developpeurs/:slug/webhooks/:id/secret',
    requireSignedIn,
    formAction(
      async (req) => {
        const slug = slugParam(req);
        const { endpoint, secret } = await rotateWebhookSecret(deps, req.user!, slug, idParam(req, 'id'));
        const path = `${base(slug)}/${endpoint.id}/secret`;
        keepShownOnce(deps, req, path, 'webhook-secret', { secret, rotated: true } satisfies ShownSecret);
        return { redirect: path };
      },
      { back: endpointPage },
    ),
  );

  router.get('/developpeurs/:slug/webhooks/:id/suppression', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    const endpoint = await viewWebhookEndpoint(deps, req.user!, slug, idParam(req, 'id'));
    const endpointUrl = `${base(slug)}/${endpoint.id}`;
    renderConfirmation(res, {
      title: 'Supprimer le webhook',
      heading: `Supprimer le webhook ${endpoint.url} ?`,
      consequences: [
        `L’adresse ${endpoint.url} ne recevra plus aucun évènement et l’historique de ses livraisons sera effacé.`,
        'Les évènements restent disponibles dans le flux de rattrapage.',
      ],
      action: `${endpointUrl}/suppression`,
      confirmLabel: 'Supprimer définitivement le webhook',
      confirmIcon: 'fr-icon-delete-line fr-btn--icon-left',
      cancelHref: endpointUrl,
    });
  });

  // The confirmed action: the endpoint's page leads to the confirmation page above, whose button posts here.
  router.post(
    '/developpeurs/:slug/webhooks/:id/suppression',
    requireSignedIn,
    formAction(
      async (req) => {
        const slug = slugParam(req);
        await deleteWebhookEndpoint(deps, req.user!, slug, idParam(req, 'id'));
        return {
          redirect: base(slug),
          flash: { type: 'success', message: 'Le webhook est supprimé : il ne reçoit plus d’évènements.' },
        };
      },
      { back: endpointPage },
    ),
  );

  router.post(
    '/developpeurs/:slug/webhooks/:id/renvoi-echecs',
    requireSignedIn,
    formAction(
      async (req) => {
        const slug = slugParam(req);
        const id = idParam(req, 'id');
        const day = typeof req.body?.since === 'string' ? req.body.since : '';
        // The page's date field sends a day; the API's words (an ISO 8601 instant) are not the page's.
        if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day)))
          throw new AppError({
            kind: 'ValidationFailed',
            errors: [{ path: 'since', message: 'Indiquez une date valide, par exemple 30/11/2026.' }],
          });
        const { replayed } = await replayFailedWebhookDeliveries(deps, req.user!, slug, id, {
          since: `${day}T00:00:00Z`,
        });
        return {
          redirect: `${base(slug)}/${id}`,
          flash: {
            type: 'success',
            message:
              replayed === 0
                ? 'Aucun évènement en échec depuis cette date.'
                : `${replayed} évènement${replayed > 1 ? 's' : ''} en échec renvoyé${replayed > 1 ? 's' : ''}.`,
          },
        };
      },
      // The endpoint's page has several small forms and reads none back: a refused date is told in a flash.
      { back: endpointPage, fieldErrors: 'flash' },
    ),
  );

  return router;
}
