import { z } from 'zod';

/** What each role answers, as structured output: the schemas the model's JSON must match. */

export const storySchema = z.object({
  title: z.string().min(1).max(200),
  /** "As a …, I want …, so that …". */
  story: z.string().min(1).max(3000),
  acceptanceCriteria: z.array(z.string().min(1).max(600)).min(1).max(15),
  /** The repository files the story needs changed or added, as the product owner sees it. */
  files: z.array(z.string().min(1).max(500)).max(100).optional(),
});
export type Story = z.infer<typeof storySchema>;

/**
 * A split of work too large for one pull request: small issues in the order they must be done,
 * each with its own acceptance criteria and files.
 */
export const splitSchema = z.object({
  issues: z
    .array(
      z.object({
        title: z.string().min(1).max(200),
        story: z.string().min(1).max(3000),
        acceptanceCriteria: z.array(z.string().min(1).max(600)).min(1).max(15),
        files: z.array(z.string().min(1).max(500)).min(1).max(20),
      }),
    )
    .min(2)
    .max(10),
});
export type SubIssue = z.infer<typeof splitSchema>['issues'][number];

export const verdictSchema = z.object({
  decision: z.enum(['approve', 'request-changes']),
  reasons: z.array(z.string().min(1).max(600)).max(10),
});
export type Verdict = z.infer<typeof verdictSchema>;

export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const reviewSchema = z.object({
  findings: z
    .array(
      z.object({
        severity: z.enum(SEVERITIES),
        file: z.string().max(500).optional(),
        description: z.string().min(1).max(1000),
      }),
    )
    .max(30),
});
export type Review = z.infer<typeof reviewSchema>;
