/** Which screen the approver UI shows. */
export type Route =
  | { view: 'queue' }
  | { view: 'detail'; approvalId: string }
  | { view: 'history' }
  | { view: 'verifier' }
  | { view: 'settings' }
  | { view: 'onboarding' };

/** The screens the header's main navigation offers. */
export type NavView = 'queue' | 'history' | 'verifier' | 'settings';
