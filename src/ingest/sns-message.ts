import { verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';

// The JSON envelope SNS POSTs to an HTTP(S) subscription, and its signature. The string to sign
// is "key\nvalue\n" for a fixed, ordered list of keys per message type (AWS "Verifying the
// signatures of Amazon SNS messages"); values are the parsed strings, not their JSON escapes.
const Common = {
  MessageId: z.string().min(1).max(256),
  TopicArn: z.string().min(1).max(1024),
  Message: z.string(),
  Timestamp: z.string().min(1).max(64),
  SignatureVersion: z.enum(['1', '2'], { message: 'unsupported SignatureVersion (expected "1" or "2")' }),
  Signature: z.string().min(1).max(4096),
  SigningCertURL: z.string().min(1).max(2048),
};

export const SnsNotification = z.object({
  Type: z.literal('Notification'),
  ...Common,
  // Absent when the publisher gave none; normalised so that null and absent sign alike.
  Subject: z.string().max(1024).nullish().transform((s) => s ?? undefined),
  UnsubscribeURL: z.string().max(2048).optional(),
});

const Confirmation = {
  ...Common,
  Token: z.string().min(1).max(4096),
  SubscribeURL: z.string().min(1).max(2048),
};
export const SnsSubscriptionConfirmation = z.object({ Type: z.literal('SubscriptionConfirmation'), ...Confirmation });
export const SnsUnsubscribeConfirmation = z.object({ Type: z.literal('UnsubscribeConfirmation'), ...Confirmation });

export const SnsMessage = z.discriminatedUnion(
  'Type',
  [SnsNotification, SnsSubscriptionConfirmation, SnsUnsubscribeConfirmation],
  { message: 'Type must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation' },
);
export type SnsMessage = z.infer<typeof SnsMessage>;

export function stringToSign(m: SnsMessage): string {
  const pairs: [string, string | undefined][] =
    m.Type === 'Notification'
      ? [['Message', m.Message], ['MessageId', m.MessageId], ['Subject', m.Subject], ['Timestamp', m.Timestamp], ['TopicArn', m.TopicArn], ['Type', m.Type]]
      : [['Message', m.Message], ['MessageId', m.MessageId], ['SubscribeURL', m.SubscribeURL], ['Timestamp', m.Timestamp], ['Token', m.Token], ['TopicArn', m.TopicArn], ['Type', m.Type]];
  return pairs
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}\n${v}\n`)
    .join('');
}

/** SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA, both over the same string. */
export function verifySnsSignature(m: SnsMessage, publicKey: KeyObject): boolean {
  const signature = Buffer.from(m.Signature, 'base64');
  if (signature.length === 0) return false;
  try {
    return verify(m.SignatureVersion === '1' ? 'sha1' : 'sha256', Buffer.from(stringToSign(m), 'utf8'), publicKey, signature);
  } catch {
    // A key of the wrong type or a malformed signature is a failed verification, not a crash.
    return false;
  }
}
