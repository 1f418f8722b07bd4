import { z } from 'zod';

/** `POST /uploads?filename=…[&token=…]`: a plain file name; the token adds to an earlier upload. */
export const uploadQuery = z.object({
  filename: z
    .string()
    .min(1)
    .max(255)
    .refine(
      (s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '/' || ch === '\\'),
      'must be a plain file name',
    ),
  token: z.string().min(1).max(200).optional(),
});
