// The onboarding wizard resumes where the store is: each step is done when
// the server says so, and the first step not done is where the brand returns.

export const steps = ["profile", "categories", "miniprogram", "payment", "design", "publish"] as const;
export type Step = (typeof steps)[number];

export interface StoreState {
  hasStore: boolean;
  categories: { status: string; missing_documents?: string[] }[];
  appId?: string;
  paymentMode?: string;
  mchSet?: boolean;
  builds: number;
  published: boolean;
}

/** The first unfinished step (the last one when all are done). */
export function resumeAt(s: StoreState): number {
  const d = stepDone(s);
  const i = steps.findIndex((st) => !d[st]);
  return i < 0 ? steps.length - 1 : i;
}

export function stepDone(s: StoreState): Record<Step, boolean> {
  const cats = s.categories.length > 0 && s.categories.every((c) => c.status === "active" || (c.missing_documents || []).length === 0);
  return {
    profile: s.hasStore,
    categories: cats,
    miniprogram: !!s.appId,
    payment: !!s.paymentMode && !!s.mchSet,
    design: s.builds > 0,
    publish: s.published,
  };
}

/** Percent of the wizard done, for the progress bar. */
export function progress(s: StoreState): number {
  const d = stepDone(s);
  return Math.round((steps.filter((st) => d[st]).length / steps.length) * 100);
}
