/**
 * The web host's sign-in: the URL that `npm start` prints carries a one-time token. The
 * first browser to open it exchanges it for a session cookie (HttpOnly, SameSite=Strict)
 * and the token stops working, so a URL that leaks later (shell history, a screenshot, a
 * second person at the screen) opens nothing. The session value is random and unrelated
 * to the token; it lives only in this process, so a restart signs every page out.
 */
import { newToken, tokensEqual } from './request-guard.ts';

export type Exchange =
  /** The right token, first use: set the session cookie. */
  | 'granted'
  /** The right token, already exchanged. */
  | 'used'
  | 'wrong';

export class OneTimeSignIn {
  readonly #token: string;
  readonly #session = newToken();
  #used = false;

  constructor(token: string) {
    this.#token = token;
  }

  /** The session cookie's value; handed out once, with the `granted` exchange. */
  get sessionValue(): string {
    return this.#session;
  }

  exchange(presented: string): Exchange {
    if (!tokensEqual(this.#token, presented)) return 'wrong';
    if (this.#used) return 'used';
    this.#used = true;
    return 'granted';
  }

  isSession(cookieValue: string | undefined): boolean {
    return tokensEqual(this.#session, cookieValue);
  }
}
