import type { IncomingHttpHeaders } from "node:http";
import type { ShopCopy } from "../copy.ts";
import type { Account } from "../state/accounts.ts";
import type { Session } from "../state/sessions.ts";
import type { ShopState } from "../state/shop-state.ts";

/** What a route handler gets: the parsed request plus the shopper's session and the shop's state. */
export interface ShopRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  state: ShopState;
  copy: ShopCopy;
  session: Session;
  account: Account | undefined;
  /** True when a client script asked for JSON rather than a page. */
  wantsJson: boolean;
  readForm(): Promise<URLSearchParams>;
}
