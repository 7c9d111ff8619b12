import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import { getMailOverview } from '../app/mail-overview.ts';
import { sendTestEmail } from '../app/send-test-email.ts';
import { emailAddressSchema } from '../domain/email-address.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';

const emailStatusSchema = z.enum(['pending', 'sent', 'failed']);

const mailOverviewSchema = z
  .object({
    counts: z.object({ pending: z.number().int(), sent: z.number().int(), failed: z.number().int() }),
    recent: z.array(
      z.object({
        id: z.uuid(),
        template: z.string(),
        recipient: z.string(),
        subject: z.string(),
        status: emailStatusSchema,
        attempts: z.number().int(),
        lastError: z.string().nullable(),
        createdAt: z.iso.datetime(),
        sentAt: z.iso.datetime().nullable(),
      }),
    ),
  })
  .meta({ id: 'MailOverview' });

export function adminRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/admin/emails',
      summary: 'Email delivery overview',
      description:
        'Counts per status and the latest emails with their attempts and last error (platform admins).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      responses: {
        200: { description: 'Delivery overview.', schema: mailOverviewSchema },
        403: { description: 'Not a platform admin.', schema: errorSchema },
      },
      handler: async ({ user }) => {
        const { counts, recent } = await getMailOverview(deps, user);
        return {
          status: 200,
          body: {
            counts,
            recent: recent.map((email) => ({
              ...email,
              createdAt: email.createdAt.toISOString(),
              sentAt: email.sentAt?.toISOString() ?? null,
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/test-email',
      summary: 'Send a test email',
      description: 'Queues a test email, to the admin’s own address unless `to` is given (platform admins).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      body: z.object({ to: emailAddressSchema.optional() }),
      responses: {
        202: { description: 'Queued for delivery.', schema: z.object({ emailId: z.uuid() }) },
        403: { description: 'Not a platform admin.', schema: errorSchema },
        429: { description: 'Too many emails to this address; see Retry-After.', schema: errorSchema },
      },
      handler: async ({ user, body }) => ({
        status: 202,
        body: await sendTestEmail(deps, user, { to: body.to ?? user.email }),
      }),
    }),
  ];
}
