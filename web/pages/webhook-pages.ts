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
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks.ts';
import { flash } from '../flash.ts';
import { fieldErrorsOf } from '../forms.ts';
import { checkedValues, idParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';

const STATUS_LABELS = { pending: 'En attente', active: 'Actif', disabled: 'Désactivé' } as const;
const DELIVERY_LABELS = { pending: 'En cours', delivered: 'Livré', failed: 'Échec' } as const;

function slugParam(req: Request): string {
  const slug = String(req.params.slug);
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(slug)) throw notFound();
  return slug;
}

const base = (slug: string) => `/developpeurs/${slug}/webhooks`;

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
    title: `Webhooks de ${definition.name}`,
    definition,
    endpoints: endpoints.map((endpoint) => ({
      ...endpoint,
      statusLabel: STATUS_LABELS[endpoint.status],
      active: endpoint.status === 'active',
      disabled: endpoint.status === 'disabled',
      url: `${base(slug)}/${endpoint.id}`,
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
    await renderList(deps, req, res, slugParam(req));
  });

  router.post('/developpeurs/:slug/webhooks', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    const url = typeof req.body?.url === 'string' ? req.body.url : '';
    const events = checkedValues(req.body, 'events');
    try {
      const { endpoint, secret } = await createWebhookEndpoint(deps, req.user!, slug, { url, events });
      res.set('Cache-Control', 'no-store');
      res.render('webhooks/secret', {
        title: 'Webhook ajouté',
        endpoint,
        secret,
        endpointUrl: `${base(slug)}/${endpoint.id}`,
      });
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) throw error;
      const eventsError = Object.entries(errors).find(([path]) => path.startsWith('events'))?.[1];
      await renderList(deps, req, res, slug, {
        url,
        events,
        errors: { url: errors.url, events: eventsError } as Record<string, string>,
      });
    }
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

  router.post('/developpeurs/:slug/webhooks/:id/test', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    const id = idParam(req, 'id');
    try {
      await sendWebhookTest(deps, req.user!, slug, id);
      flash(req, 'success', 'Un évènement de test a été envoyé.');
    } catch (error) {
      if (!(error instanceof AppError) || error.problem.kind !== 'Conflict') throw error;
      flash(req, 'error', error.problem.message);
    }
    res.redirect(`${base(slug)}/${id}`);
  });

  router.post(
    '/developpeurs/:slug/webhooks/:id/livraisons/:eventId/renvoi',
    requireSignedIn,
    async (req, res) => {
      const slug = slugParam(req);
      const id = idParam(req, 'id');
      try {
        await replayWebhookDelivery(deps, req.user!, slug, id, idParam(req, 'eventId'));
        flash(req, 'success', 'L’évènement est renvoyé, avec le même identifiant (webhook-id).');
      } catch (error) {
        if (!(error instanceof AppError) || error.problem.kind !== 'Conflict') throw error;
        flash(req, 'error', error.problem.message);
      }
      res.redirect(`${base(slug)}/${id}`);
    },
  );

  router.post('/developpeurs/:slug/webhooks/:id/activation', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    const id = idParam(req, 'id');
    const enabled = req.body?.enabled === 'oui';
    await updateWebhookEndpoint(deps, req.user!, slug, id, { enabled });
    flash(
      req,
      'success',
      enabled
        ? 'Le webhook est réactivé : un évènement de test part pour le vérifier.'
        : 'Le webhook est désactivé : il ne reçoit plus d’évènements.',
    );
    res.redirect(`${base(slug)}/${id}`);
  });

  router.post('/developpeurs/:slug/webhooks/:id/secret', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    const id = idParam(req, 'id');
    const { endpoint, secret } = await rotateWebhookSecret(deps, req.user!, slug, id);
    res.set('Cache-Control', 'no-store');
    res.render('webhooks/secret', {
      title: 'Nouveau secret de signature',
      rotated: true,
      endpoint,
      secret,
      endpointUrl: `${base(slug)}/${endpoint.id}`,
    });
  });

  router.get('/developpeurs/:slug/webhooks/:id/suppression', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    const endpoint = await viewWebhookEndpoint(deps, req.user!, slug, idParam(req, 'id'));
    res.render('webhooks/suppression', {
      title: 'Supprimer le webhook',
      endpoint,
      endpointUrl: `${base(slug)}/${endpoint.id}`,
    });
  });

  router.post('/developpeurs/:slug/webhooks/:id/suppression', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    await deleteWebhookEndpoint(deps, req.user!, slug, idParam(req, 'id'));
    flash(req, 'success', 'Le webhook est supprimé : il ne reçoit plus d’évènements.');
    res.redirect(base(slug));
  });

  router.post('/developpeurs/:slug/webhooks/:id/renvoi-echecs', requireSignedIn, async (req, res) => {
    const slug = slugParam(req);
    const id = idParam(req, 'id');
    const day = typeof req.body?.since === 'string' ? req.body.since : '';
    try {
      const since = /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00Z` : day;
      const { replayed } = await replayFailedWebhookDeliveries(deps, req.user!, slug, id, { since });
      flash(
        req,
        'success',
        replayed === 0
          ? 'Aucun évènement en échec depuis cette date.'
          : `${replayed} évènement${replayed > 1 ? 's' : ''} en échec renvoyé${replayed > 1 ? 's' : ''}.`,
      );
    } catch (error) {
      if (error instanceof AppError && error.problem.kind === 'Conflict')
        flash(req, 'error', error.problem.message);
      else if (fieldErrorsOf(error)) flash(req, 'error', 'Indiquez une date valide, par exemple 30/11/2026.');
      else throw error;
    }
    res.redirect(`${base(slug)}/${id}`);
  });

  return router;
}
